// `sgplane check` in-process against a scripted endpoint: what it sends, the one-line answer per Reason, --json, exit
// codes (a Drop is 0), usage mistakes, help.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type FakeGateway, startFakeGateway } from "../../sdk/test/fake-gateway.ts";
import { type CliIo, runCli } from "../src/run.ts";

let gateway: FakeGateway;
before(async () => {
  gateway = await startFakeGateway();
});
after(async () => {
  await gateway.close();
});

async function run(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: {
      SGPLANE_CONFIG: "/nonexistent/sgplane-config.json",
      SGPLANE_BASE_URL: gateway.url,
      SGPLANE_PUBLIC_KEY: "pub",
      SGPLANE_PRIVATE_KEY: "priv",
      SGPLANE_REGION: "cn-bj2",
    },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => "",
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

const ARGS = ["check", "--resource-id", "uhost-1", "--direction", "ingress", "--protocol", "tcp", "--port", "22"];
const DROP_BY_RULE = {
  Verdict: "Drop",
  Reason: "Rule",
  SecGroupId: "secgroup-x",
  RuleId: "rule-5",
  GroupPriority: 1,
  RulePriority: 5,
  RuleSummary: "TCP 22 from 0.0.0.0/0",
  Explanation: "Drop by rule 5 of secgroup-x (bound at priority 1): TCP 22 from 0.0.0.0/0",
};

describe("sgplane check", () => {
  it("sends CheckSecGroupPacket with canonical enums and prints the rule that decided; a Drop exits 0", async () => {
    gateway.script({ retCode: 0, fields: DROP_BY_RULE });
    const r = await run([...ARGS, "--peer", "203.0.113.9"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Drop  (rule 5 of secgroup-x, group priority 1): TCP 22 from 0.0.0.0/0\n");
    const sent = gateway.received[0]?.params;
    assert.equal(sent?.Action, "CheckSecGroupPacket");
    assert.deepEqual(
      [sent?.ResourceId, sent?.Direction, sent?.ProtocolType, sent?.Port, sent?.PeerIp],
      ["uhost-1", "Ingress", "TCP", "22", "203.0.113.9"],
    );
  });

  it("one line for each other Reason, from the server's Explanation; no Port sent when not given", async () => {
    const cases = [
      [
        "Drop",
        "Default",
        "no rule matched: Ingress defaults to Drop",
        "Drop  (default): no rule matched: Ingress defaults to Drop",
      ],
      ["Accept", "ServiceNetwork", "100.64.0.1 is in …", "Accept  (service network): 100.64.0.1 is in …"],
      [
        "Accept",
        "Default",
        "a firewall filters inbound packets only: Egress is accepted",
        "Accept  (default): a firewall filters inbound packets only: Egress is accepted",
      ],
    ] as const;
    for (const [Verdict, Reason, Explanation, line] of cases) {
      gateway.script({ retCode: 0, fields: { Verdict, Reason, Explanation } });
      const r = await run([
        "check",
        "--resource-id",
        "fw",
        "--direction",
        "Egress",
        "--protocol",
        "icmp",
        "--peer",
        "10.0.0.1",
      ]);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, `${line}\n`);
      assert.equal(gateway.received[0]?.params.ProtocolType, "ICMP");
      assert.equal("Port" in (gateway.received[0]?.params ?? {}), false);
    }
  });

  it("Firewall mode: prints the firewall, the rule's place and the rule as stored", async () => {
    gateway.script({
      retCode: 0,
      fields: {
        Verdict: "Accept",
        Reason: "Rule",
        SecurityMode: "Firewall",
        FWId: "firewall-x",
        RuleIndex: 2,
        FirewallRule: "TCP|22|0.0.0.0/0|ACCEPT|HIGH|ssh",
        RuleSummary: "TCP 22 from 0.0.0.0/0",
        Explanation: "Accept by rule 2 (HIGH) of firewall firewall-x: TCP 22 from 0.0.0.0/0",
      },
    });
    const r = await run([...ARGS, "--peer", "203.0.113.9"]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, "Accept  (rule 2 of firewall-x: TCP|22|0.0.0.0/0|ACCEPT|HIGH|ssh): TCP 22 from 0.0.0.0/0\n");
  });

  it("--json prints the reply's fields as they came", async () => {
    gateway.script({ retCode: 0, fields: DROP_BY_RULE });
    const r = await run([...ARGS, "--peer", "203.0.113.9", "--json"]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), DROP_BY_RULE);
  });

  it("a refused call exits 1 with RetCode and Message on stderr", async () => {
    gateway.script({ retCode: 8039, message: "Resource [uhost-1] not exist" });
    const r = await run([...ARGS, "--peer", "203.0.113.9"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(r.stderr, /CheckSecGroupPacket failed: RetCode 8039: Resource \[uhost-1\] not exist/);
  });

  it("usage mistakes exit 2 and send nothing", async () => {
    gateway.script({ retCode: 0, fields: DROP_BY_RULE });
    const missing = await run(["check", "--resource-id", "uhost-1", "--protocol", "tcp"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required flags --direction, --peer\nSee: sgplane check --help/);
    const direction = await run([...ARGS.slice(0, 4), "sideways", "--protocol", "tcp", "--peer", "10.0.0.1"]);
    assert.equal(direction.code, 2);
    assert.match(direction.stderr, /check --direction: expected one of Ingress, Egress, got "sideways"/);
    const protocol = await run([
      "check",
      "--resource-id",
      "u",
      "--direction",
      "ingress",
      "--protocol",
      "all",
      "--peer",
      "1.1.1.1",
    ]);
    assert.equal(protocol.code, 2);
    assert.match(protocol.stderr, /expected one of TCP, UDP, ICMP, ICMPv6/);
    const port = await run([...ARGS.slice(0, -1), "ssh", "--peer", "10.0.0.1"]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /check --port: expected an integer, got "ssh"/);
    assert.equal((await run([...ARGS, "--peer", "1.1.1.1", "--jsonl"])).code, 2);
    assert.equal(gateway.received.length, 0);
  });

  it("help check, check --help and the command list show it", async () => {
    for (const argv of [
      ["help", "check"],
      ["check", "--help"],
    ]) {
      const r = await run(argv);
      assert.equal(r.code, 0);
      assert.match(
        r.stdout,
        /^Usage: sgplane check --resource-id ID --direction Ingress\|Egress --protocol TCP\|UDP\|ICMP\|ICMPv6\|GRE\s+\[--port N\] --peer IP \[--json\]\n/,
      );
      assert.match(r.stdout, /--peer IP {2}\(required\)/);
      assert.match(r.stdout, /Calls CheckSecGroupPacket/);
    }
    const top = await run(["help"]);
    assert.match(
      top.stdout,
      /\n {2}check {25}Say whether a resource's security groups \(or firewall\) accept or\s+drop one packet/,
    );
    // Listed with the security-group commands (company key), before the feed section.
    assert.ok(top.stdout.indexOf("  check ") < top.stdout.indexOf("Change feed and audit trail"));
  });
});
