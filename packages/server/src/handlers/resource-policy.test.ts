// Handler tests of CheckSecGroupPacket and DescribeResourcePolicy (docs/enforcement.md): matching order, defaults,
// ports, address families, remote groups that follow bindings and addresses, the service network, Firewall mode,
// scope and input checks.
import assert from "node:assert/strict";
import { afterEach, beforeEach, describe, it } from "node:test";
import { type ActionInput, type ActionOutput, catalogue } from "@sgplane/catalogue";
import { compileDirection } from "@sgplane/policy";
import fc from "fast-check";
import { assertApiError, rejectsApiError } from "../domain/assert-api-error.ts";
import { defaultFirewallId } from "../domain/default-firewalls.ts";
import { decodeInput } from "../protocol/decode-input.ts";
import type { ParamBag } from "../protocol/parse-request.ts";
import { adminUpdateResource } from "./admin/inventory.ts";
import { associateSecGroup } from "./associate-sec-group.ts";
import { checkSecGroupPacket } from "./check-sec-group-packet.ts";
import { describeResourcePolicy } from "./describe-resource-policy.ts";
import { disassociateSecGroup } from "./disassociate-sec-group.ts";
import { createFirewall } from "./firewall/create-firewall.ts";
import { grantFirewall } from "./firewall/grant-firewall.ts";
import { updateFirewall } from "./firewall/update-firewall.ts";
import { resourceList, ruleInput } from "./resource-policy.ts";
import { groupRow, resourceRow, ruleRow, SIDE, type TestEnv, testEnv } from "./test-env.ts";

type CheckInput = ActionInput<"CheckSecGroupPacket">;
type CheckOutput = ActionOutput<"CheckSecGroupPacket">;

let env: TestEnv;
beforeEach(async () => {
  env = await testEnv();
  await env.addResources(
    resourceRow("web", { privateIp: "10.0.0.5", eip: ["1.2.3.4"] }),
    resourceRow("db", { privateIp: "10.0.0.7" }),
    resourceRow("cache", { privateIp: "", eip: ["198.51.100.7", "2001:db8:cafe::7"] }),
    resourceRow("bare", { privateIp: "10.0.0.9" }),
    resourceRow("fw", { securityMode: "Firewall", privateIp: "10.0.0.10" }),
    resourceRow("fw2", { securityMode: "Firewall", privateIp: "10.0.0.11" }),
    resourceRow("side-host", { vpcId: "uvnet-side" }, SIDE),
  );
  await env.addGroups(groupRow("g1"), groupRow("g2"), groupRow("peers"));
  const egress = { direction: "Egress" } as const;
  const v6 = { ipVersion: "IPv6" } as const;
  await env.addRules(
    // g1, bound at 1: a Drop of SSH at the very last rule priority; a Drop before an Accept on overlapping ports.
    ruleRow("g1-ssh", "g1", 200, { ruleAction: "Drop" }),
    ruleRow("g1-web", "g1", 5, { dstPort: "80,443, 8000-8080", ipRange: "10.1.2.3/8", ruleAction: "Drop" }),
    ruleRow("g1-open", "g1", 10, { dstPort: "80-90", ipRange: "0.0.0.0/0" }),
    // g2, bound at 2: SSH accepted at rule priority 1 (too late: g1 decides it first).
    ruleRow("g2-ssh", "g2", 1, { ipRange: "0.0.0.0/0,::/0" }),
    ruleRow("g2-dns", "g2", 2, { protocolType: "UDP", dstPort: "53" }),
    ruleRow("g2-v6", "g2", 3, { ...v6, dstPort: "443", ipRange: "2001:db8::/32,10.0.0.0/8" }),
    ruleRow("g2-icmp", "g2", 4, { protocolType: "ICMP", dstPort: "", ipRange: "10.0.0.0/8" }),
    ruleRow("g2-icmpv6", "g2", 5, { ...v6, protocolType: "ICMPv6", dstPort: "", ipRange: "fe80::/10" }),
    // ICMP in an IPv6 rule matches nothing: it is left out of the list.
    ruleRow("g2-void", "g2", 6, { ...v6, protocolType: "ICMP", dstPort: "", ipRange: "::/0" }),
    ruleRow("g2-smtp", "g2", 1, { ...egress, dstPort: "25", ruleAction: "Drop" }),
    // peers, bound at 3: everything from the group's own members (a remote-group rule).
    ruleRow("peers-all", "peers", 1, { protocolType: "ALL", dstPort: "ALL", ipRange: "peers" }),
    ruleRow("peers-all6", "peers", 2, { ...v6, protocolType: "ALL", dstPort: "ALL", ipRange: "peers" }),
  );
  await env.bind(["web", "g1", 1], ["web", "g2", 2], ["web", "peers", 3], ["db", "peers", 1]);
});
afterEach(() => env.close());

function packet(
  ResourceId: string,
  Direction: CheckInput["Direction"],
  ProtocolType: CheckInput["ProtocolType"],
  PeerIp: string,
  Port?: number,
): CheckInput {
  return { ResourceId, Direction, ProtocolType, PeerIp, ...(Port !== undefined && { Port }) };
}

const check = (...args: Parameters<typeof packet>) => checkSecGroupPacket(packet(...args), env.ctx);

/** "Drop g1@200" (a rule), "Drop Default", "Accept ServiceNetwork": the answer in one comparable word or two. */
function short(out: CheckOutput): string {
  return out.Reason === "Rule"
    ? `${out.Verdict} ${out.SecGroupId}@${out.RulePriority}`
    : `${out.Verdict} ${out.Reason}`;
}

const verdicts = async (...packets: Parameters<typeof packet>[]) =>
  Promise.all(packets.map(async (p) => short(await check(...p))));

describe("CheckSecGroupPacket: matching order", () => {
  it("group priority beats rule priority: a Drop at rule priority 200 of the group bound at 1 wins", async () => {
    const out = await check("web", "Ingress", "TCP", "203.0.113.9", 22);
    assert.deepEqual(out, {
      Verdict: "Drop",
      Reason: "Rule",
      SecurityMode: "SecGroup",
      SecGroupId: "g1",
      RuleId: "g1-ssh",
      GroupPriority: 1,
      RulePriority: 200,
      RuleSummary: "TCP 22 from 0.0.0.0/0",
      Explanation: "Drop by rule 200 of g1 (bound at priority 1): TCP 22 from 0.0.0.0/0",
    });
    // Swap the binding priorities: g2's Accept now comes first.
    await env.bind(["web", "g1", 4], ["web", "g2", 1]);
    const swapped = await check("web", "Ingress", "TCP", "203.0.113.9", 22);
    assert.equal(short(swapped), "Accept g2@1");
    assert.equal(swapped.GroupPriority, 1);
    assert.equal(swapped.Explanation, "Accept by rule 1 of g2 (bound at priority 1): TCP 22 from 0.0.0.0/0");
  });

  it("inside a group a Drop at priority 5 beats an Accept at priority 10 on the same port", async () => {
    // The Accept (80-90 from anywhere) matches 80 from 10/8 too, but the Drop comes first.
    assert.deepEqual(
      await verdicts(
        ["web", "Ingress", "TCP", "10.200.0.1", 80],
        ["web", "Ingress", "TCP", "192.0.2.1", 80],
        ["web", "Ingress", "TCP", "10.200.0.1", 85],
      ),
      ["Drop g1@5", "Accept g1@10", "Accept g1@10"],
    );
    const out = await check("web", "Ingress", "TCP", "10.200.0.1", 80);
    assert.equal(out.RuleSummary, "TCP 80,443,8000-8080 from 10.0.0.0/8");
  });

  it("port lists and ranges: each listed port and both ends of a range match, neighbours do not", async () => {
    const from10 = (port: number): Parameters<typeof packet> => ["web", "Ingress", "TCP", "10.9.9.9", port];
    assert.deepEqual(await verdicts(from10(443), from10(8000), from10(8080), from10(8081), from10(7999), from10(444)), [
      "Drop g1@5",
      "Drop g1@5",
      "Drop g1@5",
      "Drop Default",
      "Drop Default",
      "Drop Default",
    ]);
    // TCP rules do not match UDP, nor UDP rules TCP.
    assert.deepEqual(
      await verdicts(["web", "Ingress", "UDP", "192.0.2.1", 53], ["web", "Ingress", "TCP", "192.0.2.1", 53]),
      ["Accept g2@2", "Drop Default"],
    );
  });

  it("with no rule matching: Ingress defaults to Drop, Egress to Accept", async () => {
    const ingress = await check("web", "Ingress", "TCP", "192.0.2.1", 9999);
    assert.deepEqual(ingress, {
      Verdict: "Drop",
      Reason: "Default",
      SecurityMode: "SecGroup",
      Explanation: "no rule matched: Ingress defaults to Drop",
    });
    const egress = await check("web", "Egress", "TCP", "192.0.2.1", 9999);
    assert.deepEqual(egress, {
      Verdict: "Accept",
      Reason: "Default",
      SecurityMode: "SecGroup",
      Explanation: "no rule matched: Egress defaults to Accept",
    });
    // Egress rules are matched against the destination.
    const smtp = await check("web", "Egress", "TCP", "192.0.2.1", 25);
    assert.equal(short(smtp), "Drop g2@1");
    assert.equal(smtp.RuleSummary, "TCP 25 to 0.0.0.0/0");
  });

  it("a resource with zero bindings: Ingress dropped, Egress accepted", async () => {
    assert.deepEqual(
      await verdicts(["bare", "Ingress", "TCP", "10.0.0.5", 22], ["bare", "Egress", "UDP", "10.0.0.5", 53]),
      ["Drop Default", "Accept Default"],
    );
  });
});

describe("CheckSecGroupPacket: addresses", () => {
  it("IPv4 and IPv6 blocks match their own family only", async () => {
    assert.deepEqual(
      await verdicts(
        ["web", "Ingress", "TCP", "2001:db8::1", 443],
        ["web", "Ingress", "TCP", "2001:DB8:0::1", 443],
        ["web", "Ingress", "TCP", "2001:db9::1", 443],
        // IPv4 SSH rules never match an IPv6 packet, and the IPv6 rule's 10.0.0.0/8 item never an IPv4 one.
        ["web", "Ingress", "TCP", "2001:db8::1", 22],
        ["web", "Ingress", "TCP", "192.0.2.1", 443],
      ),
      ["Accept g2@3", "Accept g2@3", "Drop Default", "Drop Default", "Drop Default"],
    );
  });

  it("ICMP and ICMPv6 match their own rules; a Port sent with them is ignored", async () => {
    assert.deepEqual(
      await verdicts(
        ["web", "Ingress", "ICMP", "10.3.3.3"],
        ["web", "Ingress", "ICMP", "10.3.3.3", 22],
        ["web", "Ingress", "ICMP", "192.0.2.1"],
        ["web", "Ingress", "ICMPv6", "fe80::1"],
        ["web", "Ingress", "ICMPv6", "2001:db8::1"],
      ),
      ["Accept g2@4", "Accept g2@4", "Drop Default", "Accept g2@5", "Drop Default"],
    );
  });

  it("100.64.0.0/10 is accepted in both directions before any rule", async () => {
    const service = await check("web", "Ingress", "TCP", "100.64.0.1", 22);
    assert.deepEqual(service, {
      Verdict: "Accept",
      Reason: "ServiceNetwork",
      SecurityMode: "SecGroup",
      Explanation: "100.64.0.1 is in the service network 100.64.0.0/10, which is never filtered",
    });
    assert.deepEqual(
      await verdicts(
        ["web", "Ingress", "TCP", "100.127.255.255", 22],
        ["web", "Ingress", "TCP", "100.128.0.1", 22],
        ["web", "Ingress", "TCP", "100.63.255.255", 22],
        ["web", "Egress", "TCP", "100.100.1.1", 25],
        ["bare", "Ingress", "UDP", "100.64.9.9", 53],
      ),
      ["Accept ServiceNetwork", "Drop g1@200", "Drop g1@200", "Accept ServiceNetwork", "Accept ServiceNetwork"],
    );
  });
});

describe("CheckSecGroupPacket: remote groups", () => {
  it("matches the members' private IPs and EIPs, and follows binding and address changes", async () => {
    const from = (peer: string): Parameters<typeof packet> => ["web", "Ingress", "UDP", peer, 5000];
    // Members of peers: web (10.0.0.5, EIP 1.2.3.4) and db (10.0.0.7).
    const before = await check(...from("10.0.0.7"));
    assert.equal(short(before), "Accept peers@1");
    assert.equal(before.RuleSummary, "ALL from members of peers");
    assert.deepEqual(await verdicts(from("1.2.3.4"), from("10.0.0.5"), from("10.0.0.8"), from("198.51.100.7")), [
      "Accept peers@1",
      "Accept peers@1",
      "Drop Default",
      "Drop Default",
    ]);

    // db moves to 10.0.0.8: the rule follows its address.
    await adminUpdateResource({ ResourceId: "db", PrivateIp: "10.0.0.8" }, env.ctx);
    assert.deepEqual(await verdicts(from("10.0.0.7"), from("10.0.0.8")), ["Drop Default", "Accept peers@1"]);

    // db leaves the group, cache (no private IP, an IPv4 and an IPv6 EIP) joins it.
    await disassociateSecGroup({ SecGroupId: ["peers"], ResourceId: ["db"], Force: true }, env.ctx);
    await associateSecGroup(
      { ResourceId: ["cache"], PrioritySecGroup: [{ SecGroupId: "peers", Priority: 1 }] },
      env.ctx,
    );
    assert.deepEqual(await verdicts(from("10.0.0.8"), from("198.51.100.7"), from("2001:db8:cafe::7")), [
      "Drop Default",
      "Accept peers@1",
      "Accept peers@2",
    ]);
  });
});

describe("CheckSecGroupPacket: Firewall mode", () => {
  const grant = async (ResourceId: string, FWId: string) =>
    grantFirewall({ FWId, ResourceType: "uhost", ResourceId }, env.ctx);
  const create = async (...Rule: string[]) => (await createFirewall({ Name: `fw-${Rule.length}`, Rule }, env.ctx)).FWId;
  const firewallShort = (out: CheckOutput) =>
    out.Reason === "Rule" ? `${out.Verdict} #${out.RuleIndex}` : `${out.Verdict} ${out.Reason}`;
  const fwVerdicts = async (...packets: Parameters<typeof packet>[]) =>
    Promise.all(packets.map(async (p) => firewallShort(await check(...p))));

  it("no firewall granted: inbound dropped, outbound accepted, the service network accepted", async () => {
    assert.deepEqual(await check("fw", "Ingress", "TCP", "192.0.2.1", 22), {
      Verdict: "Drop",
      Reason: "Default",
      SecurityMode: "Firewall",
      Explanation: "no firewall is granted: Ingress defaults to Drop",
    });
    assert.deepEqual(await check("fw", "Egress", "UDP", "192.0.2.1", 53), {
      Verdict: "Accept",
      Reason: "Default",
      SecurityMode: "Firewall",
      Explanation: "a firewall filters inbound packets only: Egress is accepted",
    });
    assert.equal(short(await check("fw", "Ingress", "TCP", "100.64.1.1", 22)), "Accept ServiceNetwork");
  });

  it("the granted firewall decides: HIGH, MEDIUM, LOW; DROP before ACCEPT inside one priority; the rule reported", async () => {
    const fwId = await create(
      "TCP|22|0.0.0.0/0|ACCEPT|LOW|ssh",
      "TCP|22|192.0.2.0/24|DROP|MEDIUM|",
      "TCP|80-90|0.0.0.0/0|ACCEPT|HIGH|",
      "TCP|80|192.0.2.7|DROP|HIGH|",
      "ICMP||0.0.0.0/0|ACCEPT|HIGH|",
      "GRE||198.51.100.1|ACCEPT|HIGH|",
    );
    await grant("fw", fwId);
    assert.deepEqual(await check("fw", "Ingress", "TCP", "203.0.113.9", 22), {
      Verdict: "Accept",
      Reason: "Rule",
      SecurityMode: "Firewall",
      FWId: fwId,
      RuleIndex: 0,
      FirewallRule: "TCP|22|0.0.0.0/0|ACCEPT|LOW|ssh",
      RuleSummary: "TCP 22 from 0.0.0.0/0",
      Explanation: `Accept by rule 0 (LOW) of firewall ${fwId}: TCP 22 from 0.0.0.0/0`,
    });
    assert.deepEqual(
      await fwVerdicts(
        ["fw", "Ingress", "TCP", "192.0.2.1", 22],
        ["fw", "Ingress", "TCP", "192.0.2.7", 80],
        ["fw", "Ingress", "TCP", "192.0.2.8", 80],
        ["fw", "Ingress", "TCP", "192.0.2.7", 81],
        ["fw", "Ingress", "UDP", "192.0.2.7", 80],
        ["fw", "Ingress", "ICMP", "192.0.2.7"],
        ["fw", "Ingress", "ICMPv6", "2001:db8::1"],
        ["fw", "Ingress", "TCP", "2001:db8::1", 22],
        ["fw", "Ingress", "GRE", "198.51.100.1"],
        ["fw", "Ingress", "GRE", "198.51.100.2"],
        ["fw", "Egress", "TCP", "192.0.2.7", 80],
      ),
      [
        "Drop #1",
        "Drop #3",
        "Accept #2",
        "Accept #2",
        "Drop Default",
        "Accept #4",
        "Drop Default",
        "Drop Default",
        "Accept #5",
        "Drop Default",
        "Accept Default",
      ],
    );
    // Another resource in Firewall mode is not touched by this grant.
    assert.equal(firewallShort(await check("fw2", "Ingress", "TCP", "203.0.113.9", 22)), "Drop Default");
  });

  it("follows UpdateFirewall and a grant that swaps firewalls; a default firewall answers with its rules", async () => {
    const first = await create("TCP|8080|0.0.0.0/0|ACCEPT|HIGH|");
    await grant("fw", first);
    assert.deepEqual(await fwVerdicts(["fw", "Ingress", "TCP", "203.0.113.9", 8080]), ["Accept #0"]);
    await updateFirewall(
      { FWId: first, Rule: ["TCP|8080|0.0.0.0/0|DROP|HIGH|", "TCP|22|0.0.0.0/0|ACCEPT|LOW|"] },
      env.ctx,
    );
    assert.deepEqual(
      await fwVerdicts(["fw", "Ingress", "TCP", "203.0.113.9", 8080], ["fw", "Ingress", "TCP", "203.0.113.9", 22]),
      ["Drop #0", "Accept #1"],
    );
    const second = await create("TCP|9000|0.0.0.0/0|ACCEPT|MEDIUM|");
    await grant("fw", second);
    const swapped = await check("fw", "Ingress", "TCP", "203.0.113.9", 9000);
    assert.deepEqual([firewallShort(swapped), swapped.FWId], ["Accept #0", second]);
    assert.deepEqual(await fwVerdicts(["fw", "Ingress", "TCP", "203.0.113.9", 22]), ["Drop Default"]);
    // The "recommend web" default firewall, never written before the grant: 22, 3389, 80, 443 and ICMP.
    await grant("fw2", defaultFirewallId(env.ctx.scope, "recommend web"));
    assert.deepEqual(
      await fwVerdicts(
        ["fw2", "Ingress", "TCP", "203.0.113.9", 443],
        ["fw2", "Ingress", "ICMP", "203.0.113.9"],
        ["fw2", "Ingress", "TCP", "203.0.113.9", 8080],
      ),
      ["Accept #3", "Accept #4", "Drop Default"],
    );
  });

  it("DescribeResourcePolicy shows the firewall's inbound list in evaluation order", async () => {
    const fwId = await create(
      "TCP|22|0.0.0.0/0|ACCEPT|LOW|ssh",
      "UDP|53|10.0.0.0/8|DROP|HIGH|",
      "ICMP||0.0.0.0/0|ACCEPT|HIGH|",
    );
    await grant("fw", fwId);
    const policy = await describeResourcePolicy({ ResourceId: "fw" }, env.ctx);
    assert.equal(policy.SecurityMode, "Firewall");
    assert.deepEqual(policy.Firewall, {
      FWId: fwId,
      Rules: [
        {
          Index: 1,
          Rule: "UDP|53|10.0.0.0/8|DROP|HIGH",
          Priority: "HIGH",
          ProtocolType: "UDP",
          Ports: "53",
          SrcIP: "10.0.0.0/8",
          RuleAction: "Drop",
        },
        {
          Index: 2,
          Rule: "ICMP||0.0.0.0/0|ACCEPT|HIGH",
          Priority: "HIGH",
          ProtocolType: "ICMP",
          Ports: "",
          SrcIP: "0.0.0.0/0",
          RuleAction: "Accept",
        },
        {
          Index: 0,
          Rule: "TCP|22|0.0.0.0/0|ACCEPT|LOW|ssh",
          Priority: "LOW",
          ProtocolType: "TCP",
          Ports: "22",
          SrcIP: "0.0.0.0/0",
          RuleAction: "Accept",
        },
      ],
      Default: "Drop",
    });
    const none = await describeResourcePolicy({ ResourceId: "fw2" }, env.ctx);
    assert.deepEqual(none.Firewall, { Rules: [], Default: "Drop" });
    assert.equal((await describeResourcePolicy({ ResourceId: "web" }, env.ctx)).Firewall, undefined);
  });
});

describe("CheckSecGroupPacket: what is not found", () => {
  it("a resource of another company, another project, or nowhere: 8039, the same answer", async () => {
    for (const id of ["uhost-other", "side-host", "ghost"]) {
      await rejectsApiError(
        check(id, "Ingress", "TCP", "10.0.0.1", 22),
        "ResourceNotFound",
        `Resource [${id}] not exist`,
      );
      await rejectsApiError(describeResourcePolicy({ ResourceId: id }, env.ctx), "ResourceNotFound", `[${id}]`);
    }
  });

  it("fields that disagree: 230 naming PeerIp, 220 for a TCP/UDP packet without Port", async () => {
    for (const peer of ["10.0.0.0/8", "not-an-ip", "fe80::1%eth0", "1.2.3"]) {
      await rejectsApiError(check("web", "Ingress", "TCP", peer, 22), "InvalidParams", "Params [PeerIp] not available");
    }
    await rejectsApiError(check("web", "Ingress", "ICMP", "2001:db8::1"), "InvalidParams", "[PeerIp]", "IPv4");
    await rejectsApiError(check("web", "Egress", "ICMPv6", "10.0.0.1"), "InvalidParams", "[PeerIp]", "IPv6");
    await rejectsApiError(check("web", "Ingress", "UDP", "10.0.0.1"), "MissingParams", "Missing params [Port]");
    // The input is checked before the resource is looked up: a bad packet to an unknown resource is still 230.
    await rejectsApiError(check("ghost", "Ingress", "TCP", "x", 22), "InvalidParams", "[PeerIp]");
  });

  it("the schema refuses what no packet can be (230 naming the field), and takes enums in any case", () => {
    const bag = (o: Record<string, unknown>) => Object.assign(Object.create(null), o) as ParamBag;
    const good = { ResourceId: "web", Direction: "ingress", ProtocolType: "tcp", Port: "22", PeerIp: "10.0.0.1" };
    const decode = (o: Record<string, unknown>) => decodeInput(catalogue.CheckSecGroupPacket.input, bag(o));
    assert.deepEqual(decode(good), { ...good, Direction: "Ingress", ProtocolType: "TCP", Port: 22 });
    assert.deepEqual(decode({ ...good, ProtocolType: "icmpv6" }).ProtocolType, "ICMPv6");
    // GRE is a packet a firewall rule (or a group's ALL rule) can match.
    assert.deepEqual(decode({ ...good, ProtocolType: "gre" }).ProtocolType, "GRE");
    for (const [field, value] of [
      ["Port", "0"],
      ["Port", "65536"],
      ["Port", "http"],
      ["Direction", "Sideways"],
      ["ProtocolType", "ALL"],
      ["ProtocolType", "SCTP"],
      ["ResourceId", "bad id!"],
    ] as const) {
      assertApiError(() => decode({ ...good, [field]: value }), "InvalidParams", `Params [${field}] not available`);
    }
    assertApiError(() => decode({ ...good, PeerIp: "" }), "MissingParams", "Missing params [PeerIp]");
  });
});

describe("DescribeResourcePolicy", () => {
  it("the compiled lists in evaluation order, blocks normalised, unmatchable rules left out", async () => {
    const out = await describeResourcePolicy({ ResourceId: "web" }, env.ctx);
    const rule = (
      SecGroupId: string,
      RuleId: string,
      GroupPriority: number,
      RulePriority: number,
      rest: { IPVersion?: "IPv4" | "IPv6"; ProtocolType?: string; Ports: string; IPRange: string; RuleAction?: string },
    ) => ({
      SecGroupId,
      RuleId,
      GroupPriority,
      RulePriority,
      IPVersion: rest.IPVersion ?? "IPv4",
      ProtocolType: rest.ProtocolType ?? "TCP",
      Ports: rest.Ports,
      IPRange: rest.IPRange,
      RuleAction: rest.RuleAction ?? "Accept",
    });
    assert.deepEqual(out, {
      Filtered: true,
      SecurityMode: "SecGroup",
      ServiceNetwork: "100.64.0.0/10",
      Ingress: {
        Rules: [
          rule("g1", "g1-web", 1, 5, { Ports: "80,443,8000-8080", IPRange: "10.0.0.0/8", RuleAction: "Drop" }),
          rule("g1", "g1-open", 1, 10, { Ports: "80-90", IPRange: "0.0.0.0/0" }),
          rule("g1", "g1-ssh", 1, 200, { Ports: "22", IPRange: "0.0.0.0/0", RuleAction: "Drop" }),
          rule("g2", "g2-ssh", 2, 1, { Ports: "22", IPRange: "0.0.0.0/0" }),
          rule("g2", "g2-dns", 2, 2, { ProtocolType: "UDP", Ports: "53", IPRange: "0.0.0.0/0" }),
          rule("g2", "g2-v6", 2, 3, { IPVersion: "IPv6", Ports: "443", IPRange: "2001:db8::/32" }),
          rule("g2", "g2-icmp", 2, 4, { ProtocolType: "ICMP", Ports: "", IPRange: "10.0.0.0/8" }),
          rule("g2", "g2-icmpv6", 2, 5, { IPVersion: "IPv6", ProtocolType: "ICMPv6", Ports: "", IPRange: "fe80::/10" }),
          rule("peers", "peers-all", 3, 1, { ProtocolType: "ALL", Ports: "", IPRange: "peers" }),
          rule("peers", "peers-all6", 3, 2, { IPVersion: "IPv6", ProtocolType: "ALL", Ports: "", IPRange: "peers" }),
        ],
        Default: "Drop",
      },
      Egress: {
        Rules: [rule("g2", "g2-smtp", 2, 1, { Ports: "25", IPRange: "0.0.0.0/0", RuleAction: "Drop" })],
        Default: "Accept",
      },
    });
  });

  it("follows rule changes; a resource with no bindings has empty lists; groups do not filter Firewall mode", async () => {
    await describeResourcePolicy({ ResourceId: "web" }, env.ctx);
    await env.addRules(ruleRow("g1-new", "g1", 1, { direction: "Egress", protocolType: "UDP", dstPort: "ALL" }));
    const changed = await describeResourcePolicy({ ResourceId: "web" }, env.ctx);
    assert.deepEqual(
      changed.Egress.Rules.map((r) => `${r.RuleId}:${r.Ports}`),
      ["g1-new:ALL", "g2-smtp:25"],
    );
    const bare = await describeResourcePolicy({ ResourceId: "bare" }, env.ctx);
    assert.deepEqual(
      [bare.Filtered, bare.Ingress, bare.Egress],
      [true, { Rules: [], Default: "Drop" }, { Rules: [], Default: "Accept" }],
    );
    const fw = await describeResourcePolicy({ ResourceId: "fw" }, env.ctx);
    assert.deepEqual(
      [fw.Filtered, fw.Ingress, fw.Egress],
      [false, { Rules: [], Default: "Accept" }, { Rules: [], Default: "Accept" }],
    );
  });
});

describe("resourceList", () => {
  const GROUPS = ["ga", "gb", "gc", "gd"];
  const ruleArb = (secGroupId: string) =>
    fc.record({
      direction: fc.constantFrom("Ingress" as const, "Egress" as const),
      protocolType: fc.constantFrom("TCP", "UDP", "ICMP", "ICMPv6", "ALL", "tcp"),
      dstPort: fc.constantFrom("ALL", "22", "80,443", "1000-2000,1500-2500", "", "x"),
      ipRange: fc.constantFrom("0.0.0.0/0", "10.1.2.3/8", "::/0,10.0.0.0/8", secGroupId, "gz", "2001:db8::/32"),
      priority: fc.integer({ min: 1, max: 200 }),
      ruleAction: fc.constantFrom("Accept" as const, "Drop" as const),
      ipVersion: fc.constantFrom("IPv4" as const, "IPv6" as const),
    });
  const worldArb = fc.record({
    rules: fc.tuple(...GROUPS.map((g) => fc.array(ruleArb(g), { maxLength: 8 }))),
    bound: fc.subarray(GROUPS),
    priorities: fc.shuffledSubarray([1, 2, 3, 4, 5], { minLength: 4, maxLength: 4 }),
  });

  it("equals compileDirection over the resource's whole world (groups compiled one by one, then joined)", () => {
    fc.assert(
      fc.property(worldArb, ({ rules, bound, priorities }) => {
        const units = new Map(
          GROUPS.map((id, g) => [
            id,
            {
              group: groupRow(id),
              rules: (rules[g] ?? []).map((r, i) => ruleRow(`${id}-${i}`, id, r.priority, r)),
            },
          ]),
        );
        const bindings = bound.map((id, i) => ({ resourceId: "web", secGroupId: id, priority: priorities[i] ?? 9 }));
        const world = {
          bindings: bindings.map((b) => ({ SecGroupId: b.secGroupId, Priority: b.priority })),
          rulesOf: (id: string) => (units.get(id)?.rules ?? []).map(ruleInput),
        };
        for (const direction of ["Ingress", "Egress"] as const) {
          // Twice: the second answer comes from the per-group compilations kept by the first.
          for (let n = 0; n < 2; n++) {
            assert.deepEqual(resourceList(bindings, units, direction), compileDirection(world, direction));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
