// The change feed's vocabulary shared by server, SDK and CLI: event types, the objects they describe, cursors.

/** Every kind of object the feed reports on, and what one event of each type did to it. */
export const EVENT_TYPES = {
  SecGroupCreated: { kind: "SecGroup", change: "Created" },
  SecGroupUpdated: { kind: "SecGroup", change: "Updated" },
  SecGroupDeleted: { kind: "SecGroup", change: "Deleted" },
  RuleCreated: { kind: "Rule", change: "Created" },
  RuleUpdated: { kind: "Rule", change: "Updated" },
  RuleDeleted: { kind: "Rule", change: "Deleted" },
  BindingAdded: { kind: "Binding", change: "Created" },
  BindingPriorityChanged: { kind: "Binding", change: "Updated" },
  BindingRemoved: { kind: "Binding", change: "Deleted" },
  ResourceRegistered: { kind: "Resource", change: "Created" },
  ResourceUpdated: { kind: "Resource", change: "Updated" },
  ResourceDeregistered: { kind: "Resource", change: "Deleted" },
  CompanyCreated: { kind: "Company", change: "Created" },
  CompanyUpdated: { kind: "Company", change: "Updated" },
  QuotasChanged: { kind: "Company", change: "Updated" },
  CompanyDeleted: { kind: "Company", change: "Deleted" },
  ProjectCreated: { kind: "Project", change: "Created" },
  ProjectUpdated: { kind: "Project", change: "Updated" },
  UserCreated: { kind: "User", change: "Created" },
  UserUpdated: { kind: "User", change: "Updated" },
  KeyCreated: { kind: "Key", change: "Created" },
  KeyUpdated: { kind: "Key", change: "Updated" },
  VPCCreated: { kind: "VPC", change: "Created" },
  VPCUpdated: { kind: "VPC", change: "Updated" },
  RegionsChanged: { kind: "Regions", change: "Updated" },
  OperatorKeyCreated: { kind: "OperatorKey", change: "Created" },
  OperatorKeyUpdated: { kind: "OperatorKey", change: "Updated" },
  FirewallCreated: { kind: "Firewall", change: "Created" },
  FirewallUpdated: { kind: "Firewall", change: "Updated" },
  FirewallDeleted: { kind: "Firewall", change: "Deleted" },
  FirewallGranted: { kind: "FirewallGrant", change: "Created" },
  FirewallGrantChanged: { kind: "FirewallGrant", change: "Updated" },
  FirewallGrantRemoved: { kind: "FirewallGrant", change: "Deleted" },
} as const;

export type EventType = keyof typeof EVENT_TYPES;
export type EventKind = (typeof EVENT_TYPES)[EventType]["kind"];
export type EventChange = (typeof EVENT_TYPES)[EventType]["change"];
export const EVENT_TYPE_NAMES = Object.keys(EVENT_TYPES) as EventType[];
export const EVENT_KINDS = [...new Set(Object.values(EVENT_TYPES).map((t) => t.kind))] as EventKind[];

export function isEventType(name: string): name is EventType {
  return Object.hasOwn(EVENT_TYPES, name);
}

/**
 * A cursor names a place in one feed: the feed's id (random, fixed when its database was created) and a position.
 * The id makes a cursor from another database (a restored backup, a different server) a clear error, never a
 * silent resume at the wrong place.
 */
export interface FeedCursor {
  readonly feedId: string;
  readonly position: number;
}

const CURSOR = /^([0-9a-f]{16})-(0|[1-9][0-9]{0,14})$/;

export function formatCursor(feedId: string, position: number): string {
  return `${feedId}-${position}`;
}

export function parseCursor(text: string): FeedCursor | undefined {
  const m = CURSOR.exec(text);
  if (m === null) return undefined;
  return { feedId: m[1] as string, position: Number(m[2]) };
}
