// End to end: a server, the real `sgplane agent` on a lab host, three resources and two outside peers; real TCP,
// UDP and ICMP (v4 and v6). After every API call the traffic changes exactly as the decision lists say (the
// kernel, the test's expectation and the evaluator agree on every packet).
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { SgplaneClient } from "@sgplane/sdk";
import type { AgentProcess } from "./agent-process.ts";
import { type EnforcementHost, startEnforcementHost } from "./enforcement-host.ts";
import { RESOURCES } from "./enforcement-world.ts";
import { labSkipReason } from "./lab/index.ts";
import { drop, pass } from "./traffic.ts";

const skip = await labSkipReason();

describe("enforcement end to end: server, agent, lab host", { skip, timeout: 240_000 }, () => {
  let host: EnforcementHost | undefined;
  let agent: AgentProcess;
  let client: SgplaneClient;
  let operator: SgplaneClient;
  const settled = () => must(host).settled();
  const traffic = (...cases: Parameters<EnforcementHost["traffic"]>) => must(host).traffic(...cases);

  before(async () => {
    host = await startEnforcementHost();
    ({ agent, client, operator } = host);
  });

  after(() => host?.stop());

  it("enforces the snapshot: ports, lists and ranges, CIDRs, ICMP, ingress default drop, egress default accept", async () => {
    await traffic(
      pass("ext", "web1", "tcp", 80),
      pass("ext", "web1", "tcp", 80, 6),
      pass("ext", "web1", "tcp", 22),
      pass("ext", "web1", "tcp", 8085),
      drop("ext", "web1", "tcp", 9000),
      drop("web2", "web1", "tcp", 22),
      pass("web2", "web1", "tcp", 80),
      drop("ext", "web1", "tcp", 22, 6),
      drop("ext", "web1", "udp", 8085),
      pass("ext", "web1", "ping"),
      pass("ext", "web1", "ping", undefined, 6),
      drop("ext", "db", "ping"),
      drop("ext", "db", "tcp", 5432),
      drop("web1", "db", "tcp", 5432),
      drop("web1", "ext", "tcp", 9000),
      pass("web1", "ext", "tcp", 8080),
      pass("web1", "ext", "udp", 9000, 6),
      pass("db", "ext", "ping", undefined, 6),
    );
  });

  it("a remote-group rule follows bindings and addresses", async () => {
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web1],
      PrioritySecGroup: [{ SecGroupId: "secgroup-db", Priority: 2 }],
    });
    // web1 is a member of secgroup-db now, by both its addresses; the IPv6 one meets the group's own Drop.
    await traffic(pass("web1", "db", "tcp", 5432), drop("web1", "db", "tcp", 5432, 6), drop("web2", "db", "tcp", 5432));
    await operator.adminUpdateResource({ ResourceId: RESOURCES.web1, PrivateIp: "198.18.250.250" });
    await traffic(drop("web1", "db", "tcp", 5432), pass("ext", "web1", "tcp", 80));
    await operator.adminUpdateResource({ ResourceId: RESOURCES.web1, PrivateIp: must(host).lab.endpoint("web1").ipv4 });
    await traffic(pass("web1", "db", "tcp", 5432));
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-db"], ResourceId: [RESOURCES.web1] });
    await traffic(drop("web1", "db", "tcp", 5432), pass("db", "ext", "ping"));
  });

  it("group priority beats rule priority", async () => {
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web2],
      PrioritySecGroup: [{ SecGroupId: "secgroup-deny", Priority: 2 }],
    });
    await traffic(pass("ext", "web2", "tcp", 80));
    // The deny group's Drop at rule priority 100, bound at 1, beats the web group's Accept at rule priority 1.
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web2],
      PrioritySecGroup: [
        { SecGroupId: "secgroup-web", Priority: 3 },
        { SecGroupId: "secgroup-deny", Priority: 1 },
      ],
    });
    await traffic(drop("ext", "web2", "tcp", 80), pass("ext", "web2", "tcp", 80, 6), pass("ext", "web2", "tcp", 22));
  });

  it("the service network is never filtered, either way", async () => {
    await traffic(
      pass("svc", "db", "tcp", 5432),
      pass("svc", "web1", "udp", 9000),
      pass("web1", "svc", "tcp", 9000),
      drop("svc", "db", "tcp", 5432, 6),
    );
  });

  it("replies of accepted connections pass", async () => {
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web1],
      PrioritySecGroup: [{ SecGroupId: "secgroup-quiet", Priority: 2 }],
    });
    // Every new connection out of web1 is dropped now, yet replies of connections into it still pass.
    await traffic(
      drop("web1", "ext", "tcp", 8080),
      drop("web1", "ext", "ping"),
      pass("ext", "web1", "tcp", 80),
      pass("ext", "web1", "ping"),
    );
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-quiet"], ResourceId: [RESOURCES.web1] });
    await traffic(pass("web1", "ext", "tcp", 8080));
  });

  it("DisassociateSecGroup by pairs, by resource and by group, with Force down to no group", async () => {
    // By pairs: web2 loses the deny group.
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-deny"], ResourceId: [RESOURCES.web2] });
    await traffic(pass("ext", "web2", "tcp", 80));
    // By resource: every group of web1, refused without Force (it would be left with none)…
    await assert.rejects(client.disassociateSecGroup({ ResourceId: [RESOURCES.web1] }), /58208/);
    await traffic(pass("ext", "web1", "tcp", 80));
    // …and with Force: no group at all is the empty list (ingress dropped, egress accepted).
    await client.disassociateSecGroup({ ResourceId: [RESOURCES.web1], Force: true });
    await traffic(
      drop("ext", "web1", "tcp", 80),
      drop("ext", "web1", "ping"),
      drop("ext", "web1", "tcp", 80, 6),
      pass("web1", "ext", "tcp", 9000),
      pass("web1", "ext", "ping", undefined, 6),
    );
    // By group: every resource still bound to secgroup-web (web2), with Force since it is web2's last group.
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-web"], Force: true });
    await traffic(
      drop("ext", "web2", "tcp", 80),
      drop("ext", "web2", "tcp", 22),
      pass("web2", "ext", "tcp", 8080),
      drop("web2", "web1", "tcp", 80),
    );
    // Bound again: open again.
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web1],
      PrioritySecGroup: [{ SecGroupId: "secgroup-web", Priority: 1 }],
    });
    await traffic(pass("ext", "web1", "tcp", 80), pass("web2", "web1", "tcp", 80), drop("ext", "web2", "tcp", 80));
  });

  it("serves /healthz and /metrics, one JSON log line per apply", async () => {
    const status = await settled();
    assert.equal(status.ok, true);
    const metrics = await (await fetch(`${agent.statusUrl}/metrics`)).text();
    assert.match(metrics, /^sgplane_agent_applied_position \d+$/m);
    assert.match(metrics, /^sgplane_agent_apply_duration_seconds_count\{kind="diff"\} [1-9]\d*$/m);
    assert.match(metrics, /^sgplane_agent_lag_events 0$/m);
    const applies = agent
      .output()
      .split("\n")
      .filter((line) => line.includes('"event":"apply"'))
      .map((line) => JSON.parse(line) as { kind: string; position: number; ms: number });
    assert.ok(applies.length >= 10, `${applies.length} apply lines`);
    assert.ok(applies.every((a) => typeof a.ms === "number" && a.position > 0));
  });
});

function must(host: EnforcementHost | undefined): EnforcementHost {
  if (host === undefined) throw new Error("the enforcement host did not start");
  return host;
}
