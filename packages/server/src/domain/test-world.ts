// Test helper: a compact way to describe a BindingWorld (defaults: VPC vpc-1, type uhost, SecGroup mode, quotas 5/500).
import type { Binding, BindingWorld, GroupRef, ResourceRef } from "./binding-model.ts";

type GroupSpec = string | { id: string; vpc?: string };
type ResourceSpec = string | { id: string; vpc?: string; type?: string; mode?: ResourceRef["securityMode"] };

export interface TestWorldSpec {
  groups?: readonly GroupSpec[];
  resources?: readonly ResourceSpec[];
  bindings?: readonly (readonly [resourceId: string, secGroupId: string, priority: number])[];
  secGroupsPerResource?: number;
  resourcesPerSecGroup?: number;
}

export function testWorld(spec: TestWorldSpec): BindingWorld {
  const groups = new Map<string, GroupRef>();
  for (const g of spec.groups ?? []) {
    const { id, vpc = "vpc-1" } = typeof g === "string" ? { id: g } : g;
    groups.set(id, { secGroupId: id, vpcId: vpc });
  }
  const resources = new Map<string, ResourceRef>();
  for (const r of spec.resources ?? []) {
    const { id, vpc = "vpc-1", type = "uhost", mode = "SecGroup" } = typeof r === "string" ? { id: r } : r;
    resources.set(id, { resourceId: id, vpcId: vpc, resourceType: type, securityMode: mode });
  }
  const bindings: Binding[] = (spec.bindings ?? []).map(([resourceId, secGroupId, priority]) => ({
    resourceId,
    secGroupId,
    priority,
  }));
  const groupLoad = new Map<string, number>();
  for (const b of bindings) groupLoad.set(b.secGroupId, (groupLoad.get(b.secGroupId) ?? 0) + 1);
  return {
    groups,
    resources,
    bindings,
    groupLoad,
    quotas: {
      secGroupsPerResource: spec.secGroupsPerResource ?? 5,
      resourcesPerSecGroup: spec.resourcesPerSecGroup ?? 500,
    },
  };
}
