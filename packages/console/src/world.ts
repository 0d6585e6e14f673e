// What the signed-in key may see of the inventory (projects, VPCs, regions, companies), from one feed snapshot:
// the pickers and the admin pages read it. Tenant API calls still go through the scoped actions.
import type { ActionOutput } from "@sgplane/catalogue/wire";
import { type Api, CallError } from "./api/client.ts";
import type { Role } from "./api/session.ts";

export type Snapshot = ActionOutput<"DescribeFeedSnapshot">;

export interface World {
  readonly role: Role;
  readonly companyId: number | undefined;
  readonly regions: readonly string[];
  readonly snapshot: Snapshot | undefined;
}

/** The region list of a tenant is where its VPCs are; an operator is given the configured list. */
function regionsOf(snapshot: Snapshot): string[] {
  if (snapshot.Regions !== undefined && snapshot.Regions.length > 0) return [...snapshot.Regions];
  const found = new Set<string>();
  for (const v of snapshot.VPCs) found.add(v.Region);
  for (const g of snapshot.SecGroups) found.add(g.Region);
  return [...found].sort();
}

/** Signs in: one snapshot call checks the key pair and tells what it is (operator, main account, sub-account). */
export async function loadWorld(api: Api): Promise<World> {
  try {
    const snapshot = await api.call("DescribeFeedSnapshot", {});
    const operator = snapshot.Regions !== undefined || snapshot.OperatorKeys !== undefined;
    // Users are not shown to sub-accounts; a main account always sees at least itself.
    const role: Role = operator ? "operator" : snapshot.Users.length === 0 ? "subaccount" : "company";
    return {
      role,
      companyId: operator ? undefined : snapshot.Companies[0]?.CompanyId,
      regions: regionsOf(snapshot),
      snapshot,
    };
  } catch (error) {
    // Without a feed the pickers cannot be filled, but the key can still be used in the seed's default region.
    if (error instanceof CallError && error.retCode === 58302) {
      await api.call("DescribeSecGroup", { Limit: 1 }, { region: "cn-bj2" });
      return { role: "company", companyId: undefined, regions: ["cn-bj2"], snapshot: undefined };
    }
    throw error;
  }
}

/** Why a sign-in was refused, in words. */
export function signInRefusal(error: unknown): string {
  if (error instanceof CallError) {
    if (error.retCode === 172) return "This public key is not known to the server (RetCode 172).";
    if (error.retCode === 171) return "The private key does not match this public key (RetCode 171).";
    if (error.retCode === undefined) return `The server cannot be reached: ${error.message}`;
    return `The server refused this key pair: ${error.describe}`;
  }
  return `Sign-in failed: ${String(error)}`;
}

export interface Project {
  readonly ProjectId: string;
  readonly Name: string;
  readonly Default: boolean;
}

export function projectsOf(world: World): readonly Project[] {
  return world.snapshot?.Projects ?? [];
}

export function vpcsOf(world: World, region: string, project: string) {
  return (world.snapshot?.VPCs ?? []).filter((v) => v.Region === region && v.ProjectId === project);
}

/** The page a tenant lands on: its default (or first) project in its first region. */
export function homeScope(world: World): { region: string; project: string } | undefined {
  const projects = projectsOf(world);
  const project = projects.find((p) => p.Default) ?? projects[0];
  const region =
    world.snapshot?.VPCs.find((v) => v.ProjectId === project?.ProjectId)?.Region ?? world.regions[0] ?? "cn-bj2";
  return project === undefined ? undefined : { region, project: project.ProjectId };
}
