// Where the caller may act (§1.8 step 7): operator vs tenant actions, Region, ProjectId, sub-account grants.
import { type ActionSpec, ApiError } from "@sgplane/catalogue";
import type { ParamBag } from "../protocol/parse-request.ts";
import { bagText } from "../protocol/parse-request.ts";
import type { Scope } from "../store/port.ts";
import type { Principal } from "./principal-cache.ts";

/** Checks the key may call this action; for tenant actions returns the (company, project, region) scope. */
export function authorize(spec: ActionSpec, bag: ParamBag, principal: Principal): Scope | undefined {
  const { key, projects } = principal;
  if (spec.scope === "operator") {
    if (!key.operator) throw new ApiError("PermissionDenied", { reason: `${spec.name} needs an operator key` });
    return undefined;
  }
  if (key.operator || key.companyId === null) {
    throw new ApiError("PermissionDenied", { reason: "an operator key cannot act on tenant objects" });
  }
  const region = bagText(bag, "Region");
  if (region === undefined) throw new ApiError("MissingParams", { name: "Region" });
  if (!principal.regions.includes(region)) {
    throw new ApiError("InvalidParams", { name: "Region", reason: `unknown region ${region}` });
  }
  const given = bagText(bag, "ProjectId");
  if (given === undefined && (key.subAccount || spec.requiresProjectId === true)) {
    throw new ApiError("MissingParams", { name: "ProjectId" });
  }
  const projectId = given ?? projects.find((p) => p.isDefault)?.projectId;
  if (projectId === undefined || !projects.some((p) => p.projectId === projectId)) {
    throw new ApiError("ProjectNotFound", { projectId: projectId ?? "" });
  }
  if (key.subAccount && !key.projects.includes(projectId)) {
    throw new ApiError("PermissionDenied", { reason: `key not granted project ${projectId}` });
  }
  return { companyId: key.companyId, projectId, region };
}
