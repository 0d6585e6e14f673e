// A follower's view for the feed contract: a snapshot as object states keyed by kind and id, and events folded into
// it the way docs/feed.md tells a follower to (Created/Updated put the state, Deleted removes it).
import { EVENT_TYPES } from "@sgplane/catalogue";
import {
  bindingId,
  bindingState,
  companyState,
  firewallGrantState,
  firewallState,
  keyState,
  projectState,
  resourceState,
  ruleState,
  secGroupState,
  userState,
  vpcState,
} from "../feed-states.ts";
import type { FeedEventRow, SnapshotRows } from "../port.ts";

/** `Kind:ObjectId` → the object's wire state. */
export type ObjectStates = ReadonlyMap<string, unknown>;

const key = (kind: string, objectId: string): string => `${kind}:${objectId}`;

export function statesOf(s: SnapshotRows): ObjectStates {
  const m = new Map<string, unknown>();
  if (s.regions !== undefined) m.set(key("Regions", "regions"), { Regions: [...s.regions] });
  for (const pk of s.operatorKeys ?? []) m.set(key("OperatorKey", pk), { PublicKey: pk });
  for (const c of s.companies) m.set(key("Company", String(c.companyId)), companyState(c));
  for (const p of s.projects) m.set(key("Project", p.projectId), projectState(p));
  for (const u of s.users) m.set(key("User", `${u.companyId}/${u.name}`), userState(u));
  for (const k of s.keys) m.set(key("Key", k.publicKey), keyState(k));
  for (const v of s.vpcs) m.set(key("VPC", v.vpcId), vpcState(v));
  for (const r of s.resources) m.set(key("Resource", r.resourceId), resourceState(r));
  for (const g of s.secGroups) m.set(key("SecGroup", g.secGroupId), secGroupState(g));
  for (const r of s.rules) m.set(key("Rule", r.ruleId), ruleState(r));
  for (const b of s.bindings) m.set(key("Binding", bindingId(b)), bindingState(b));
  for (const f of s.firewalls) m.set(key("Firewall", f.fwId), firewallState(f));
  for (const g of s.firewallGrants) m.set(key("FirewallGrant", g.resourceId), firewallGrantState(g));
  return m;
}

const field = (state: unknown, name: string): unknown =>
  typeof state === "object" && state !== null ? (state as Record<string, unknown>)[name] : undefined;

/** The states after these events. A CompanyDeleted stands for everything of that company (docs/feed.md). */
export function fold(states: ObjectStates, events: readonly FeedEventRow[]): ObjectStates {
  const m = new Map(states);
  for (const e of events) {
    const { kind, change } = EVENT_TYPES[e.type];
    const k = key(kind, e.objectId);
    if (change !== "Deleted") {
      m.set(k, e.state);
      continue;
    }
    m.delete(k);
    if (kind !== "Company") continue;
    const companyId = Number(e.objectId);
    for (const [id, state] of [...m]) if (field(state, "CompanyId") === companyId) m.delete(id);
    // Rules and bindings name their group, not their company: they go with it.
    for (const [id, state] of [...m]) {
      const group = field(state, "SecGroupId");
      if ((id.startsWith("Rule:") || id.startsWith("Binding:")) && !m.has(key("SecGroup", String(group)))) {
        m.delete(id);
      }
      // A firewall grant names its resource: it goes with it.
      const resource = field(state, "ResourceId");
      if (id.startsWith("FirewallGrant:") && !m.has(key("Resource", String(resource)))) m.delete(id);
    }
  }
  return m;
}

/** A comparable form: entries sorted by key. */
export const sorted = (states: ObjectStates): [string, unknown][] =>
  [...states].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
