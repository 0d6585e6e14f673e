// What the evaluator reads of one resource, inside the caller's read transaction: the resource in scope (8039), its
// bindings and their groups' rules compiled by @sgplane/policy (the agent's compiler), and the members of the groups
// that remote-group rules name; in Firewall mode, the firewall granted to it, compiled by the same package.
import {
  compileDirection,
  compileFirewall,
  type DecisionList,
  type Direction,
  type FirewallList,
  formatFirewallRule,
  type MembersOf,
  membersResolver,
  type RuleInput,
} from "@sgplane/policy";
import type { BindingRow, ReadTx, ResourceRow, RuleRow, Scope, SecGroupWithRules } from "../store/port.ts";
import { findFirewall } from "./firewall/firewall-load.ts";
import { requireResource } from "./tenant-load.ts";

export interface ResourcePolicy {
  readonly resource: ResourceRow;
  /** Whether security groups filter the resource: false in Firewall mode (lists are then not compiled). */
  readonly filtered: boolean;
  /** The decision list of each direction asked for (none when not filtered). Shared: not to be mutated. */
  readonly lists: ReadonlyMap<Direction, DecisionList>;
  /** Firewall mode: the inbound list of the firewall granted (no rule when none is). */
  readonly firewall?: FirewallList;
}

export async function loadResourcePolicy(
  tx: ReadTx,
  scope: Scope,
  resourceId: string,
  directions: readonly Direction[],
): Promise<ResourcePolicy> {
  const resource = await requireResource(tx, scope, resourceId);
  if (resource.securityMode === "Firewall") {
    return { resource, filtered: false, lists: new Map(), firewall: await loadFirewallList(tx, scope, resourceId) };
  }
  const bindings = await tx.bindingsOfResources([resource.resourceId]);
  const groupIds = bindings.map((b) => b.secGroupId);
  const groups = groupIds.length > 0 ? await tx.secGroupsWithRules(scope, groupIds) : [];
  const units = new Map(groups.map((g) => [g.group.secGroupId, g]));
  return {
    resource,
    filtered: true,
    lists: new Map(directions.map((d) => [d, resourceList(bindings, units, d)])),
  };
}

/** The firewall granted to the resource, compiled from its rules as the feed carries them (the agent's input). */
async function loadFirewallList(tx: ReadTx, scope: Scope, resourceId: string): Promise<FirewallList> {
  const [grant] = await tx.firewallGrantsOfResources([resourceId]);
  const row = grant === undefined ? undefined : await findFirewall(tx, scope, grant.fwId);
  return compileFirewall(row === undefined ? undefined : { FWId: row.fwId, Rules: row.rules.map(formatFirewallRule) });
}

/**
 * compileDirection over the resource's whole world (bindings by priority, each group's rules of the direction by
 * priority, concatenated), put together from each group's own compiled list: a group is compiled once per version
 * and binding priority, not once per request. resource-policy.test.ts holds the two equal on random worlds.
 */
export function resourceList(
  bindings: readonly BindingRow[],
  units: ReadonlyMap<string, SecGroupWithRules>,
  direction: Direction,
): DecisionList {
  const rules = [...bindings]
    .sort((a, b) => a.priority - b.priority)
    .flatMap((b) => {
      const unit = units.get(b.secGroupId);
      return unit === undefined ? [] : groupLists(unit, b.priority)[direction].rules;
    });
  return { direction, rules, defaultVerdict: EMPTY[direction].defaultVerdict };
}

type Lists = Readonly<Record<Direction, DecisionList>>;

const noRules = { bindings: [], rulesOf: () => [] };
const EMPTY: Lists = { Ingress: compileDirection(noRules, "Ingress"), Egress: compileDirection(noRules, "Egress") };

const compiled = new WeakMap<SecGroupWithRules, Map<number, Lists>>();

/**
 * One group bound at one priority, compiled, kept per store unit: the store hands out the same unit object for as
 * long as the group is unchanged (SecGroupCache), so a changed group is compiled afresh.
 */
function groupLists(unit: SecGroupWithRules, priority: number): Lists {
  let byPriority = compiled.get(unit);
  if (byPriority === undefined) {
    byPriority = new Map();
    compiled.set(unit, byPriority);
  }
  let lists = byPriority.get(priority);
  if (lists === undefined) {
    const id = unit.group.secGroupId;
    const rules = unit.rules.map(ruleInput);
    const world = {
      bindings: [{ SecGroupId: id, Priority: priority }],
      rulesOf: (secGroupId: string) => (secGroupId === id ? rules : []),
    };
    lists = { Ingress: compileDirection(world, "Ingress"), Egress: compileDirection(world, "Egress") };
    byPriority.set(priority, lists);
  }
  return lists;
}

export function ruleInput(row: RuleRow): RuleInput {
  return {
    RuleId: row.ruleId,
    SecGroupId: row.secGroupId,
    Direction: row.direction,
    ProtocolType: row.protocolType,
    DstPort: row.dstPort,
    IPRange: row.ipRange,
    Priority: row.priority,
    RuleAction: row.ruleAction,
    IPVersion: row.ipVersion,
  };
}

/**
 * The members' addresses of these groups, as the compiled rules match them: every resource bound to a group (all in
 * the caller's scope, since a group binds only resources of its VPC), its private IP when it has one, and its EIPs.
 */
export async function loadMembers(tx: ReadTx, scope: Scope, secGroupIds: readonly string[]): Promise<MembersOf> {
  if (secGroupIds.length === 0) return () => [];
  const bindings = await tx.bindingsOfSecGroups(secGroupIds);
  const resourceIds = [...new Set(bindings.map((b) => b.resourceId))];
  const resources = resourceIds.length > 0 ? await tx.resourcesByIds(scope, resourceIds) : [];
  const addresses = new Map(
    resources.map((r) => [r.resourceId, [...(r.privateIp === "" ? [] : [r.privateIp]), ...r.eip]]),
  );
  const members = new Map<string, string[]>();
  for (const b of bindings) {
    const list = members.get(b.secGroupId);
    if (list === undefined) members.set(b.secGroupId, [b.resourceId]);
    else list.push(b.resourceId);
  }
  return membersResolver({
    membersOf: (secGroupId) => members.get(secGroupId) ?? [],
    addressesOf: (resourceId) => addresses.get(resourceId) ?? [],
  });
}
