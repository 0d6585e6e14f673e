// CheckSecGroupPacket (sgplane extension): the verdict a resource's groups (or, in Firewall mode, its firewall) give
// one packet, and the rule behind it.
import { type ActionInput, ApiError } from "@sgplane/catalogue";
import {
  canonicalAddress,
  type Decision,
  type DecisionList,
  evaluateFirewallPacket,
  evaluatePacket,
  type Packet,
  SERVICE_NETWORK,
} from "@sgplane/policy";
import type { ReadTx, Scope } from "../store/port.ts";
import type { Handler } from "./context.ts";
import { checkReply, firewallCheckReply } from "./policy-wire.ts";
import { loadMembers, loadResourcePolicy } from "./resource-policy.ts";

export const checkSecGroupPacket: Handler<"CheckSecGroupPacket"> = async (input, ctx) => {
  const packet = packetOf(input);
  return ctx.store.read(async (tx) => {
    const policy = await loadResourcePolicy(tx, ctx.scope, input.ResourceId, [packet.direction]);
    const networks = ctx.serviceNetworks ?? [SERVICE_NETWORK];
    if (policy.firewall !== undefined) {
      const decision = evaluateFirewallPacket(policy.firewall, packet, { serviceNetworks: networks });
      return firewallCheckReply(decision, policy.firewall, packet, networks);
    }
    const list = policy.lists.get(packet.direction);
    // loadResourcePolicy compiles every direction asked for in SecGroup mode.
    if (list === undefined) throw new Error(`no ${packet.direction} list for ${policy.resource.resourceId}`);
    return checkReply(await decide(tx, ctx.scope, list, packet, networks), packet.direction, packet.peer, networks);
  });
};

/**
 * The evaluator's decision, reading remote groups' members only when it gets to a rule that needs them: a first run
 * with no members records which groups it asked for (a superset of what the real run asks, since with members it
 * can only stop sooner); when it asked for none, its decision is already the answer.
 */
async function decide(
  tx: ReadTx,
  scope: Scope,
  list: DecisionList,
  packet: Packet,
  serviceNetworks: readonly string[],
): Promise<Decision> {
  const asked = new Set<string>();
  const options = { serviceNetworks };
  const first = evaluatePacket(
    list,
    packet,
    (secGroupId) => {
      asked.add(secGroupId);
      return [];
    },
    options,
  );
  if (asked.size === 0) return first;
  return evaluatePacket(list, packet, await loadMembers(tx, scope, [...asked]), options);
}

/** The packet asked about, once its fields agree with each other (the schema checked each one alone). */
function packetOf(input: ActionInput<"CheckSecGroupPacket">): Packet {
  const peer = canonicalAddress(input.PeerIp);
  if (peer === undefined) {
    throw new ApiError("InvalidParams", { name: "PeerIp", reason: "must be one IPv4 or IPv6 address" });
  }
  const protocol = input.ProtocolType;
  if (protocol === "ICMP" && peer.family !== 4) {
    throw new ApiError("InvalidParams", { name: "PeerIp", reason: "ICMP is IPv4: give an IPv4 peer, or use ICMPv6" });
  }
  if (protocol === "ICMPv6" && peer.family !== 6) {
    throw new ApiError("InvalidParams", { name: "PeerIp", reason: "ICMPv6 needs an IPv6 peer (use ICMP for IPv4)" });
  }
  const base = { direction: input.Direction, protocol, peer: peer.address };
  if (protocol !== "TCP" && protocol !== "UDP") return base;
  if (input.Port === undefined) throw new ApiError("MissingParams", { name: "Port" });
  return { ...base, port: input.Port };
}
