// Shared field shapes of the catalogue: ids, enums, priorities, paging — declared once, reused by every action.
import { type SchemaOptions, type TString, type TUnsafe, Type } from "@sinclair/typebox";

/** Ids are accepted verbatim (seeded ids need not look like generated ones) but must be sane tokens. */
export const ID_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$";
export const ID_RULE = "an id of letters, digits and '-_.:@', at most 64 characters";

export function Id(description: string): TString {
  return Type.String({ description, pattern: ID_PATTERN, maxLength: 64, format_hint: ID_RULE });
}

export function IdList(description: string, maxItems = 1000) {
  return Type.Array(Id("one id"), { description, maxItems });
}

/** A string enum: matched case-insensitively on the wire, stored and returned in the canonical spelling. */
export function Enum<const T extends readonly string[]>(values: T, options: SchemaOptions): TUnsafe<T[number]> {
  // Unsafe keeps the Union kind (so validators check it) while the static type is the literal union.
  return Type.Unsafe<T[number]>(
    Type.Union(
      values.map((v) => Type.Literal(v)),
      options,
    ),
  );
}

/** The allowed values of an Enum schema, or undefined for any other schema. */
export function enumValues(schema: object): string[] | undefined {
  const values = (schema as { anyOf?: readonly { const?: unknown }[] }).anyOf?.map((s) => s.const);
  return values?.every((v): v is string => typeof v === "string") ? values : undefined;
}

export function Text(description: string, maxLength: number, options: SchemaOptions = {}): TString {
  return Type.String({ ...options, description, maxLength });
}

export const BindingPriority = Type.Integer({
  description: "Binding priority on the resource, 1-5; smaller is evaluated first; unique per resource.",
  minimum: 1,
  maximum: 5,
});

export const RulePriority = Type.Integer({
  description: "Rule priority, 1-200; smaller is evaluated first; unique per group and direction.",
  minimum: 1,
  maximum: 200,
});

export const Offset = Type.Integer({ description: "Paging offset (default 0).", minimum: 0 });
export const Limit = Type.Integer({ description: "Page size (default 20; 0 means 20).", minimum: 0 });

export const DIRECTIONS = ["Ingress", "Egress"] as const;
export const PROTOCOLS = ["TCP", "UDP", "ICMP", "ICMPv6", "ALL"] as const;
/** What one packet can be (the evaluator's ProtocolType): a rule's protocols without ALL, and GRE (firewall rules). */
export const PACKET_PROTOCOLS = ["TCP", "UDP", "ICMP", "ICMPv6", "GRE"] as const;
export const RULE_ACTIONS = ["Accept", "Drop"] as const;
export const IP_VERSIONS = ["IPv4", "IPv6"] as const;
export const SECURITY_MODES = ["SecGroup", "Firewall"] as const;
export const NOT_BOUND_POLICIES = ["Ignore", "Error"] as const;
export const RECOMMENDATIONS = ["web", "noweb"] as const;
export const SECGROUP_TYPES = ["user defined", "recommend web", "recommend non web"] as const;

export const Direction = Enum(DIRECTIONS, { description: "Ingress (inbound) or Egress (outbound)." });
export const ProtocolType = Enum(PROTOCOLS, { description: "TCP, UDP, ICMP, ICMPv6 or ALL." });
export const RuleAction = Enum(RULE_ACTIONS, { description: "Accept or Drop." });
export const IPVersion = Enum(IP_VERSIONS, { description: "IPv4 (default) or IPv6." });
export const SecurityMode = Enum(SECURITY_MODES, {
  description: "SecGroup: the resource uses security groups; Firewall: it does not accept them yet.",
});

export const DstPort = Text(
  "Destination ports: ALL, or comma-separated ports and from-to ranges (1-65535), e.g. 80,443,2000-10000.",
  512,
);
export const IPRange = Text("Comma-separated IPv4/IPv6 addresses or CIDR blocks, or the group's own SecGroupId.", 2048);
export const Remark = Text("Free text.", 256);
export const Name = Text("Name, at most 64 characters.", 64);
