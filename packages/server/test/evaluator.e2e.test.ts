// The evaluator through the real server: CheckSecGroupPacket and DescribeResourcePolicy from the typed SDK, the
// gateway's checks of their fields, and `sgplane check` as a process.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { RetCodeError, SgplaneClient } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, runToExit, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
let demo: SgplaneClient;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
  demo = new SgplaneClient({ baseUrl: server.url, region: "cn-bj2", ...DEMO });
});
after(async () => {
  await server?.stop();
});

// Never run: `tsc` checks that the typed methods exist with the catalogue's types.
export function typeChecks(sdk: SgplaneClient): void {
  void (async () => {
    const reply = await sdk.checkSecGroupPacket({
      ResourceId: "uhost-1",
      Direction: "Ingress",
      ProtocolType: "TCP",
      Port: 22,
      PeerIp: "10.0.0.1",
    });
    const verdict: "Accept" | "Drop" = reply.Verdict;
    const priority: number | undefined = reply.GroupPriority;
    const policy = await sdk.describeResourcePolicy({ ResourceId: "uhost-1" });
    const ports: string | undefined = policy.Ingress.Rules[0]?.Ports;
    const fallback: "Accept" | "Drop" = policy.Egress.Default;
    // @ts-expect-error ALL is a rule's protocol, not a packet's
    void sdk.checkSecGroupPacket({ ResourceId: "u", Direction: "Ingress", ProtocolType: "ALL", PeerIp: "10.0.0.1" });
    // @ts-expect-error PeerIp is required
    void sdk.checkSecGroupPacket({ ResourceId: "u", Direction: "Egress", ProtocolType: "UDP", Port: 53 });
    void [verdict, priority, ports, fallback];
  })();
}

describe("the evaluator over HTTP", () => {
  it("SDK: the verdict and the rule behind it, the default, Firewall mode; the policy the console shows", async () => {
    const ssh = await demo.checkSecGroupPacket({
      ResourceId: "uhost-demo01",
      Direction: "Ingress",
      ProtocolType: "TCP",
      Port: 22,
      PeerIp: "203.0.113.9",
    });
    assert.equal(ssh.Verdict, "Accept");
    assert.equal(ssh.Explanation, "Accept by rule 1 of secgroup-demo01 (bound at priority 1): TCP 22 from 0.0.0.0/0");
    assert.equal(typeof ssh.RuleId, "string");
    assert.equal(typeof ssh.$metadata.requestId, "string");

    const mysql = await demo.checkSecGroupPacket({
      ResourceId: "uhost-demo01",
      Direction: "Ingress",
      ProtocolType: "TCP",
      Port: 3306,
      PeerIp: "203.0.113.9",
    });
    assert.deepEqual(
      { ...mysql },
      {
        Verdict: "Drop",
        Reason: "Default",
        SecurityMode: "SecGroup",
        Explanation: "no rule matched: Ingress defaults to Drop",
      },
    );
    const legacy = await demo.checkSecGroupPacket({
      ResourceId: "uhost-demo03",
      Direction: "Egress",
      ProtocolType: "ICMP",
      PeerIp: "8.8.8.8",
    });
    // Firewall mode: outbound is never filtered by a firewall.
    assert.deepEqual([legacy.Verdict, legacy.Reason, legacy.SecurityMode], ["Accept", "Default", "Firewall"]);
    // Granted a firewall, its rules decide inbound.
    const { FWId } = await demo.createFirewall({ Name: "evaluator", Rule: ["TCP|22|203.0.113.0/24|ACCEPT|HIGH|ssh"] });
    await demo.grantFirewall({ FWId, ResourceType: "uhost", ResourceId: "uhost-demo03" });
    const inbound = (PeerIp: string) =>
      demo.checkSecGroupPacket({
        ResourceId: "uhost-demo03",
        Direction: "Ingress",
        ProtocolType: "TCP",
        Port: 22,
        PeerIp,
      });
    const granted = await inbound("203.0.113.9");
    assert.deepEqual(
      [granted.Verdict, granted.Reason, granted.FWId, granted.RuleIndex, granted.FirewallRule],
      ["Accept", "Rule", FWId, 0, "TCP|22|203.0.113.0/24|ACCEPT|HIGH|ssh"],
    );
    assert.deepEqual([(await inbound("198.51.100.1")).Verdict], ["Drop"]);

    const policy = await demo.describeResourcePolicy({ ResourceId: "uhost-demo01" });
    assert.equal(policy.Filtered, true);
    assert.deepEqual(
      policy.Ingress.Rules.map(
        (r) => `${r.SecGroupId}@${r.GroupPriority}/${r.RulePriority} ${r.ProtocolType} ${r.Ports}`,
      ),
      ["secgroup-demo01@1/1 TCP 22", "secgroup-demo01@1/2 TCP 80,443", "secgroup-demo02@2/1 TCP 9100"],
    );
    assert.deepEqual([policy.Ingress.Default, policy.Egress.Default], ["Drop", "Accept"]);
    assert.equal(policy.Egress.Rules[0]?.IPRange, "0.0.0.0/0");
  });

  it("the gateway checks each field from the schema (230 naming it); another scope's resource is 8039", async () => {
    const refused = async (params: Record<string, unknown>) => {
      const { body } = await server.client().send("CheckSecGroupPacket", {
        ResourceId: "uhost-demo01",
        Direction: "Ingress",
        ProtocolType: "TCP",
        Port: 22,
        PeerIp: "10.0.0.1",
        ...params,
      });
      return `${body.RetCode} ${body.Message}`;
    };
    assert.match(await refused({ Port: 0 }), /^230 Params \[Port\] not available: must be between 1 and 65535/);
    assert.match(await refused({ Direction: "Inbound" }), /^230 Params \[Direction\] not available/);
    assert.match(await refused({ PeerIp: "10.0.0.0/8" }), /^230 Params \[PeerIp\] not available/);
    assert.match(await refused({ Port: "" }), /^220 Missing params \[Port\]/);
    assert.match(await refused({ ResourceId: "uhost-nowhere" }), /^8039 Resource \[uhost-nowhere\] not exist/);
    await assert.rejects(
      new SgplaneClient({
        baseUrl: server.url,
        region: "cn-bj2",
        projectId: "org-demo02",
        ...DEMO,
      }).describeResourcePolicy({ ResourceId: "uhost-demo01" }),
      (error: unknown) => error instanceof RetCodeError && error.retCode === 8039,
    );
  });

  it("sgplane check prints the rule that drops the packet and exits 0", async () => {
    // A Drop at rule priority 3 of the group bound at 1, after the Accepts of 22 and 80,443.
    await demo.createSecGroupRule({
      SecGroupId: "secgroup-demo01",
      Rule: [
        {
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "3306",
          IPRange: "0.0.0.0/0",
          Priority: 3,
          RuleAction: "Drop",
        },
      ],
    });
    const env = {
      SGPLANE_CONFIG: `${server.dir}/absent.json`,
      SGPLANE_BASE_URL: server.url,
      SGPLANE_PUBLIC_KEY: DEMO.publicKey,
      SGPLANE_PRIVATE_KEY: DEMO.privateKey,
      SGPLANE_REGION: "cn-bj2",
    };
    const packet = ["--resource-id", "uhost-demo01", "--direction", "ingress", "--protocol", "tcp", "--port", "3306"];
    const r = await runToExit(["check", ...packet, "--peer", "203.0.113.9"], env);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Drop  (rule 3 of secgroup-demo01, group priority 1): TCP 3306 from 0.0.0.0/0\n");

    // Firewall mode: the firewall's rule, by its place in the list and as stored.
    const { FWId } = await demo.createFirewall({
      Name: "cli-check",
      Rule: ["TCP|3306|0.0.0.0/0|ACCEPT|LOW|db", "TCP|3306|203.0.113.0/24|DROP|LOW|"],
    });
    await demo.grantFirewall({ FWId, ResourceType: "uhost", ResourceId: "uhost-demo03" });
    const fw = await runToExit(["check", ...packet.with(1, "uhost-demo03"), "--peer", "203.0.113.9"], env);
    assert.equal(fw.code, 0, fw.stderr);
    assert.equal(
      fw.stdout,
      `Drop  (rule 1 of ${FWId}: TCP|3306|203.0.113.0/24|DROP|LOW): TCP 3306 from 203.0.113.0/24\n`,
    );
  });
});
