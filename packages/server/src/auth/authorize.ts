// Where the caller may act (§1.8 step 7): operator vs tenant actions, Region, ProjectId, sub-account grants.
import { type ActionSpec, ApiError } from "@sgplane/catalogue";
import type { AccountView } from "../handlers/context.ts";
import type { ParamBag } from "../protocol/parse-request.ts";
import { bagText } from "../protocol/parse-request.ts";
import type { Scope } from "../store/port.ts";
import type { Principal } from "./principal-cache.ts";

export type Access =
  | { readonly kind: "operator" }
  | { readonly kind: "tenant"; readonly scope: Scope }
  | { readonly kind: "account"; readonly view: AccountView };

/** Checks the key may call this action, and says where it acts. */
export function authorize(spec: ActionSpec, bag: ParamBag, principal: Principal): Access {
  const { key } = principal;
  if (spec.scope === "account") return { kind: "account", view: accountView(bag, principal) };
  if (spec.scope === "operator") {
    if (!key.operator) throw new ApiError("PermissionDenied", { reason: `${spec.name} needs an operator key` });
    return { kind: "operator" };
  }
  if (key.operator || key.companyId === null) {
    throw new ApiError("PermissionDenied", { reason: "an operator key cannot act on tenant objects" });
  }
  const region = bagText(bag, "Region");
  if (region === undefined) throw new ApiError("MissingParams", { name: "Region" });
  checkRegion(region, principal);
  const given = bagText(bag, "ProjectId");
  if (given === undefined && (key.subAccount || spec.requiresProjectId === true)) {
    throw new ApiError("MissingParams", { name: "ProjectId" });
  }
  const projectId = given ?? principal.projects.find((p) => p.isDefault)?.projectId;
  checkProject(projectId ?? "", principal);
  return { kind: "tenant", scope: { companyId: key.companyId, projectId: projectId ?? "", region } };
}

function checkRegion(region: string, principal: Principal): void {
  if (!principal.regions.includes(region)) {
    throw new ApiError("InvalidParams", { name: "Region", reason: `unknown region ${region}` });
  }
}

/** A project of the key's company, and for a sub-account one it is granted. */
function checkProject(projectId: string, principal: Principal): void {
  if (!principal.projects.some((p) => p.projectId === projectId)) throw new ApiError("ProjectNotFound", { projectId });
  if (principal.key.subAccount && !principal.key.projects.includes(projectId)) {
    throw new ApiError("PermissionDenied", { reason: `key not granted project ${projectId}` });
  }
}

/**
 * An account-wide read: a main-account key sees its company, a sub-account the projects it is granted (or the one
 * it names), an operator key everything. Region and ProjectId are optional filters, checked like a tenant's.
 */
function accountView(bag: ParamBag, principal: Principal): AccountView {
  const { key } = principal;
  const region = bagText(bag, "Region");
  if (region !== undefined) checkRegion(region, principal);
  const projectId = bagText(bag, "ProjectId");
  const filters = { ...(region !== undefined && { region }), ...(projectId !== undefined && { projectId }) };
  if (key.operator || key.companyId === null) return filters;
  if (projectId !== undefined) checkProject(projectId, principal);
  return {
    companyId: key.companyId,
    ...(key.subAccount && { projects: projectId !== undefined ? [projectId] : key.projects }),
    ...filters,
  };
}
