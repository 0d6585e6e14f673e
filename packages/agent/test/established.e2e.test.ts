// End to end: connections survive a later Drop (docs/enforcement.md, Decisions; ../shared/spec/enforcement.md §1.5).
// A rule opens db's port 8080 to web1; connections made then are held while the rule becomes a Drop, and then while
// the rule is deleted and db loses its last group. After each change the agent is in step and a NEW connection is
// dropped (kernel and evaluator), yet the held ones still carry data both ways. Flushing connection tracking then
// cuts them: what keeps them is conntrack's `established`, not a ruleset that failed to change.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type EnforcementHost, startEnforcementHost } from "./enforcement-host.ts";
import { RESOURCES } from "./enforcement-world.ts";
import { type HeldConnection, labSkipReason } from "./lab/index.ts";
import { drop, pass } from "./traffic.ts";

const skip = await labSkipReason();
const PORT = 8080; // db's groups say nothing about it: closed by the ingress default until the rule below
const FAMILIES = [4, 6] as const;

describe("established connections survive a later Drop: server, agent, lab host", { skip, timeout: 60_000 }, () => {
  let host: EnforcementHost | undefined;
  before(async () => {
    host = await startEnforcementHost();
  });
  after(() => host?.stop());

  it("a rule made Drop, then deleted with the group unbound: new connections dropped, held ones carry data", async () => {
    assert.ok(host);
    const { lab, client, traffic } = host;
    const web1 = lab.endpoint("web1");
    const newConnections = (verdict: typeof pass) =>
      FAMILIES.map((family) => verdict("web1", "db", "tcp", PORT, family));

    await traffic(...newConnections(drop));
    const rules = [
      { IPRange: `${web1.ipv4}/32`, Priority: 10, IPVersion: "IPv4" as const },
      { IPRange: `${web1.ipv6}/128`, Priority: 11, IPVersion: "IPv6" as const },
    ].map((r) => ({ ...r, Direction: "Ingress" as const, ProtocolType: "TCP" as const, DstPort: String(PORT) }));
    const { RuleId } = await client.createSecGroupRule({
      SecGroupId: "secgroup-db",
      Rule: rules.map((r) => ({ ...r, RuleAction: "Accept" })),
    });
    await traffic(...newConnections(pass), drop("web2", "db", "tcp", PORT));

    const held: HeldConnection[] = await Promise.all(
      FAMILIES.map((family) => lab.hold("web1", "db", PORT, { family })),
    );
    const exchanges = async (when: string, options?: { timeoutMs: number }) =>
      (await Promise.all(held.map((c) => c.exchange(options)))).map(
        (o, i) => `${when}: ${held[i]?.description} ${o.pass ? "carries data" : `is cut (${o.reason})`}`,
      );
    const carried = (when: string) => held.map((c) => `${when}: ${c.description} carries data`);
    assert.deepEqual(await exchanges("while accepted"), carried("while accepted"));

    // The rule becomes a Drop: it decides new connections only.
    await client.updateSecGroupRule({
      SecGroupId: "secgroup-db",
      Rule: rules.map((r, i) => ({ ...r, RuleId: RuleId[i] ?? "", RuleAction: "Drop" })),
    });
    await traffic(...newConnections(drop));
    assert.deepEqual(await exchanges("rule made Drop"), carried("rule made Drop"));

    // The rule deleted and db's last group unbound (Force): db has the defaults only, ingress dropped.
    await client.deleteSecGroupRule({ SecGroupId: "secgroup-db", RuleId });
    await client.disassociateSecGroup({ ResourceId: [RESOURCES.db], Force: true });
    const { DataSet } = await client.describeResourceSecGroup({ ResourceId: [RESOURCES.db] });
    assert.deepEqual(DataSet[0]?.SecGroupInfo, []);
    await traffic(...newConnections(drop), pass("svc", "db", "tcp", PORT), pass("db", "ext", "tcp", PORT));
    assert.deepEqual(await exchanges("no group left"), carried("no group left"));
    assert.deepEqual(await exchanges("and again"), carried("and again"));

    // The control: without their conntrack entries the kernel sees the held connections' next packets as new, and
    // db's ingress default drops them.
    await lab.hostExec(["conntrack", "-F"]);
    assert.deepEqual(
      await exchanges("conntrack flushed", { timeoutMs: 500 }),
      held.map((c) => `conntrack flushed: ${c.description} is cut (timeout)`),
    );
    await Promise.all(held.map((c) => c.close()));
  });
});
