// What the agent knows of the cloud, folded from a snapshot and then from feed events: groups' rules, bindings,
// firewalls, firewall grants and resources. Each event reports what it made stale, so the ruleset is re-rendered only there.
import type { feedModels } from "@sgplane/catalogue";
import type { FeedEvent } from "@sgplane/sdk";

type RuleState = feedModels.RuleState;
type BindingState = feedModels.BindingState;
type ResourceState = feedModels.ResourceState;
type FirewallState = feedModels.FirewallState;
type FirewallGrantState = feedModels.FirewallGrantState;

/** What a change made stale. */
export interface Stale {
  /** Groups whose rules changed. */
  readonly rules: Set<string>;
  /** Groups whose members (bindings, or a member's addresses) changed: their remote-group address sets. */
  readonly members: Set<string>;
  /** Resources whose bindings, firewall grant or security mode changed. */
  readonly resources: Set<string>;
  /** Firewalls whose rules changed. */
  readonly firewalls: Set<string>;
}

export const emptyStale = (): Stale => ({
  rules: new Set(),
  members: new Set(),
  resources: new Set(),
  firewalls: new Set(),
});

export function mergeStale(into: Stale, from: Stale): void {
  for (const id of from.rules) into.rules.add(id);
  for (const id of from.members) into.members.add(id);
  for (const id of from.resources) into.resources.add(id);
  for (const id of from.firewalls) into.firewalls.add(id);
}

/** The parts of a snapshot the agent keeps (DescribeFeedSnapshot's reply, or the agent's own saved state). */
export interface WorldRows {
  readonly Resources: readonly ResourceState[];
  readonly Rules: readonly RuleState[];
  readonly Bindings: readonly BindingState[];
  /** Absent in a state file saved before the agent enforced firewalls (then taken as none). */
  readonly Firewalls?: readonly FirewallState[];
  readonly FirewallGrants?: readonly FirewallGrantState[];
}

export class World {
  readonly #rules = new Map<string, RuleState>();
  readonly #rulesOfGroup = new Map<string, Map<string, RuleState>>();
  /** ResourceId → SecGroupId → binding priority. */
  readonly #bindings = new Map<string, Map<string, number>>();
  readonly #membersOfGroup = new Map<string, Set<string>>();
  readonly #resources = new Map<string, ResourceState>();
  readonly #firewalls = new Map<string, FirewallState>();
  /** ResourceId → the FWId granted to it. */
  readonly #grants = new Map<string, string>();

  static from(rows: WorldRows): World {
    const world = new World();
    for (const resource of rows.Resources) world.#resources.set(resource.ResourceId, resource);
    for (const rule of rows.Rules) world.#putRule(rule);
    for (const binding of rows.Bindings) world.#putBinding(binding);
    for (const firewall of rows.Firewalls ?? []) world.#firewalls.set(firewall.FWId, firewall);
    for (const grant of rows.FirewallGrants ?? []) world.#grants.set(grant.ResourceId, grant.FWId);
    return world;
  }

  /** The rows to save or to build the same world again. */
  rows(): WorldRows {
    return {
      Resources: [...this.#resources.values()],
      Rules: [...this.#rules.values()],
      Bindings: [...this.#bindings].flatMap(([ResourceId, groups]) =>
        [...groups].map(([SecGroupId, Priority]) => ({ ResourceId, SecGroupId, Priority })),
      ),
      Firewalls: [...this.#firewalls.values()],
      FirewallGrants: [...this.#grants].map(([ResourceId, FWId]) => ({ ResourceId, FWId })),
    };
  }

  resource(resourceId: string): ResourceState | undefined {
    return this.#resources.get(resourceId);
  }

  /** The resource's bindings, by binding priority. */
  bindingsOf(resourceId: string): { SecGroupId: string; Priority: number }[] {
    const groups = this.#bindings.get(resourceId);
    if (groups === undefined) return [];
    return [...groups]
      .map(([SecGroupId, Priority]) => ({ SecGroupId, Priority }))
      .sort((a, b) => a.Priority - b.Priority);
  }

  /** The firewall granted to the resource, if any. */
  firewallOf(resourceId: string): string | undefined {
    return this.#grants.get(resourceId);
  }

  /**
   * A firewall and its rules; undefined when the agent has not seen it (a default firewall nobody wrote yet: granting
   * one stores it first, so a granted firewall is always seen).
   */
  firewall(fwId: string): FirewallState | undefined {
    return this.#firewalls.get(fwId);
  }

  rulesOf(secGroupId: string): readonly RuleState[] {
    return [...(this.#rulesOfGroup.get(secGroupId)?.values() ?? [])];
  }

  membersOf(secGroupId: string): readonly string[] {
    return [...(this.#membersOfGroup.get(secGroupId) ?? [])];
  }

  /** A resource's addresses: its private IP and EIPs ('' left out). */
  addressesOf(resourceId: string): readonly string[] {
    const resource = this.#resources.get(resourceId);
    if (resource === undefined) return [];
    return [resource.PrivateIp, ...resource.EIP].filter((ip) => ip !== "");
  }

  /** Folds one event in; returns what it made stale (nothing for kinds the agent does not enforce). */
  apply(event: FeedEvent): Stale {
    const stale = emptyStale();
    const deleted = event.Change === "Deleted";
    switch (event.Kind) {
      case "Rule": {
        const rule = event.State as RuleState;
        if (deleted) this.#deleteRule(rule.RuleId);
        else this.#putRule(rule);
        stale.rules.add(rule.SecGroupId);
        break;
      }
      case "Binding": {
        const binding = event.State as BindingState;
        if (deleted) this.#deleteBinding(binding.ResourceId, binding.SecGroupId);
        else this.#putBinding(binding);
        stale.resources.add(binding.ResourceId);
        stale.members.add(binding.SecGroupId);
        break;
      }
      case "Resource": {
        const resource = event.State as ResourceState;
        if (deleted) this.#resources.delete(resource.ResourceId);
        else this.#resources.set(resource.ResourceId, resource);
        stale.resources.add(resource.ResourceId);
        for (const { SecGroupId } of this.bindingsOf(resource.ResourceId)) stale.members.add(SecGroupId);
        break;
      }
      case "Firewall": {
        const firewall = event.State as FirewallState;
        if (deleted) this.#firewalls.delete(firewall.FWId);
        else this.#firewalls.set(firewall.FWId, firewall);
        stale.firewalls.add(firewall.FWId);
        break;
      }
      case "FirewallGrant": {
        const grant = event.State as FirewallGrantState;
        // A grant that replaces another is one Updated event with the new FWId: the state is the whole answer.
        if (deleted) this.#grants.delete(grant.ResourceId);
        else this.#grants.set(grant.ResourceId, grant.FWId);
        stale.resources.add(grant.ResourceId);
        break;
      }
      case "SecGroup": {
        // A deleted group's rules and bindings have events of their own; drop leftovers all the same.
        if (!deleted) break;
        const secGroupId = (event.State as { SecGroupId: string }).SecGroupId;
        for (const ruleId of [...(this.#rulesOfGroup.get(secGroupId)?.keys() ?? [])]) this.#deleteRule(ruleId);
        for (const resourceId of this.membersOf(secGroupId)) {
          this.#deleteBinding(resourceId, secGroupId);
          stale.resources.add(resourceId);
        }
        stale.rules.add(secGroupId);
        stale.members.add(secGroupId);
        break;
      }
      default:
        break;
    }
    return stale;
  }

  #putRule(rule: RuleState): void {
    const previous = this.#rules.get(rule.RuleId);
    if (previous !== undefined && previous.SecGroupId !== rule.SecGroupId) this.#deleteRule(rule.RuleId);
    this.#rules.set(rule.RuleId, rule);
    const group = this.#rulesOfGroup.get(rule.SecGroupId) ?? new Map<string, RuleState>();
    this.#rulesOfGroup.set(rule.SecGroupId, group);
    group.set(rule.RuleId, rule);
  }

  #deleteRule(ruleId: string): void {
    const rule = this.#rules.get(ruleId);
    if (rule === undefined) return;
    this.#rules.delete(ruleId);
    const group = this.#rulesOfGroup.get(rule.SecGroupId);
    group?.delete(ruleId);
    if (group?.size === 0) this.#rulesOfGroup.delete(rule.SecGroupId);
  }

  #putBinding(binding: BindingState): void {
    const groups = this.#bindings.get(binding.ResourceId) ?? new Map<string, number>();
    this.#bindings.set(binding.ResourceId, groups);
    groups.set(binding.SecGroupId, binding.Priority);
    const members = this.#membersOfGroup.get(binding.SecGroupId) ?? new Set<string>();
    this.#membersOfGroup.set(binding.SecGroupId, members);
    members.add(binding.ResourceId);
  }

  #deleteBinding(resourceId: string, secGroupId: string): void {
    const groups = this.#bindings.get(resourceId);
    groups?.delete(secGroupId);
    if (groups?.size === 0) this.#bindings.delete(resourceId);
    const members = this.#membersOfGroup.get(secGroupId);
    members?.delete(resourceId);
    if (members?.size === 0) this.#membersOfGroup.delete(secGroupId);
  }
}
