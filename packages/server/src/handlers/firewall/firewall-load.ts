// What the firewall handlers share: a firewall by id in scope (a default one even before it is stored), rendering.
import { ApiError, type models } from "@sgplane/catalogue";
import { DEFAULT_FIREWALL_TYPES, defaultFirewall, defaultTypeOf } from "../../domain/default-firewalls.ts";
import type { FirewallRow, ReadTx, ResourceRow, Scope, WriteTx } from "../../store/port.ts";
import { requireResource } from "../tenant-load.ts";

/** The firewall with this id in scope: stored, or one of the scope's default firewalls as defined; else undefined. */
export async function findFirewall(tx: ReadTx, scope: Scope, fwId: string): Promise<FirewallRow | undefined> {
  const [stored] = await tx.firewallsByIds(scope, [fwId]);
  if (stored !== undefined) return stored;
  const type = defaultTypeOf(scope, fwId);
  return type === undefined ? undefined : defaultFirewall(scope, type);
}

export async function requireFirewall(tx: ReadTx, scope: Scope, fwId: string): Promise<FirewallRow> {
  const found = await findFirewall(tx, scope, fwId);
  if (found === undefined) throw new ApiError("FirewallNotFound", { ids: fwId });
  return found;
}

/**
 * For a writer about to change or grant a firewall: stores a default firewall that has no row yet (as defined),
 * so every write below works on a row. Unknown ids: 54002.
 */
export async function storeIfDefault(tx: WriteTx, scope: Scope, fwId: string): Promise<void> {
  const type = defaultTypeOf(scope, fwId);
  if (type !== undefined) await tx.insertFirewallIfAbsent(defaultFirewall(scope, type));
}

/** The scope's two default firewalls (stored or as defined), web first. */
export async function defaultFirewalls(tx: ReadTx, scope: Scope): Promise<FirewallRow[]> {
  const defaults = DEFAULT_FIREWALL_TYPES.map((type) => defaultFirewall(scope, type));
  const stored = new Map(
    (
      await tx.firewallsByIds(
        scope,
        defaults.map((f) => f.fwId),
      )
    ).map((f) => [f.fwId, f]),
  );
  return defaults.map((f) => stored.get(f.fwId) ?? f);
}

export function firewallDataSet(f: FirewallRow, resourceCount: number): models.FirewallDataSet {
  return {
    FWId: f.fwId,
    GroupId: f.fwId,
    Name: f.name,
    Tag: f.tag,
    Remark: f.remark,
    ResourceCount: resourceCount,
    CreateTime: f.createTime,
    Type: f.type,
    Rule: f.rules.map((r) => ({
      SrcIP: r.cidr,
      Priority: r.priority,
      ProtocolType: r.protocol,
      DstPort: r.port,
      RuleAction: r.action,
      Remark: r.remark,
    })),
  };
}

/** Firewalls rendered with their grant counts, in the order given. */
export async function renderFirewalls(
  tx: ReadTx,
  firewalls: readonly FirewallRow[],
): Promise<models.FirewallDataSet[]> {
  const counts = firewalls.length > 0 ? await tx.firewallGrantCounts(firewalls.map((f) => f.fwId)) : new Map();
  return firewalls.map((f) => firewallDataSet(f, counts.get(f.fwId) ?? 0));
}

export function firewallResourceSet(r: ResourceRow): models.FirewallResourceSet {
  return {
    Zone: r.zone,
    Name: r.name,
    PrivateIP: r.privateIp,
    Remark: "",
    ResourceID: r.resourceId,
    ResourceType: r.resourceType,
    Status: 1,
    Tag: "Default",
    SubResourceId: "",
    SubResourceName: "",
    SubResourceType: "",
  };
}

/**
 * The firewall and the resource a grant or a disassociation names, the resource locked first (the global lock order:
 * resources, then firewalls); 54002, the resource's own not-found, or 230 when ResourceType is not its type.
 */
export async function lockGrantTarget(
  tx: WriteTx,
  scope: Scope,
  input: { readonly FWId: string; readonly ResourceId: string; readonly ResourceType: string },
): Promise<ResourceRow> {
  await tx.lockResources([input.ResourceId]);
  await requireFirewall(tx, scope, input.FWId);
  const resource = await requireResource(tx, scope, input.ResourceId);
  // ResourceType names the resource's own type, case-insensitively.
  if (resource.resourceType.toLowerCase() !== input.ResourceType.toLowerCase()) {
    throw new ApiError("InvalidParams", {
      name: "ResourceType",
      reason: `resource [${resource.resourceId}] is a ${resource.resourceType}, not ${input.ResourceType}`,
    });
  }
  return resource;
}
