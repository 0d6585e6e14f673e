// Contract: UNet firewalls and their grants (migration 007) — scope, one firewall per resource, modes, deletes,
// feed events, and a delete racing a grant.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { FirewallRule } from "../../domain/firewall-rule.ts";
import type { FirewallRow, Scope } from "../port.ts";
import { type ContractContext, rejectsWith } from "./context.ts";
import { A, A2, B, PAGE, resource } from "./world.ts";

const ssh: FirewallRule = {
  protocol: "TCP",
  port: "22",
  cidr: "0.0.0.0/0",
  action: "ACCEPT",
  priority: "HIGH",
  remark: "",
};
const icmp: FirewallRule = {
  protocol: "ICMP",
  port: "",
  cidr: "10.0.0.1",
  action: "DROP",
  priority: "LOW",
  remark: "a|b 端",
};

function firewall(fwId: string, scope: Scope, extra: Partial<FirewallRow> = {}): FirewallRow {
  return {
    fwId,
    ...scope,
    name: `name-${fwId}`,
    tag: "Default",
    remark: "",
    type: "user defined",
    createTime: 1_700_000_000,
    rules: [ssh, icmp],
    ...extra,
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function firewallTests(t: ContractContext): void {
  /** Firewall-mode hosts fw-a1, fw-a2 in A, fw-a3 in A2, and a SecGroup-mode uhost-a1 (the world's). */
  async function world(): Promise<void> {
    await t.store().write(async (tx) => {
      await tx.upsertVpc({ vpcId: "uvnet-fwa2", ...A2, name: "fw-a2" });
      await tx.upsertResource(resource("uhost-fw-a1", A, "uvnet-a1", { securityMode: "Firewall" }));
      await tx.upsertResource(resource("ulb-fw-a2", A, "uvnet-a1", { securityMode: "Firewall", resourceType: "ulb" }));
      await tx.upsertResource(resource("uhost-fw-a3", A2, "uvnet-fwa2", { securityMode: "Firewall" }));
      await tx.insertFirewall(firewall("firewall-a1", A));
      await tx.insertFirewall(firewall("firewall-a2", A, { rules: [ssh] }));
      await tx.insertFirewall(firewall("firewall-a3", A2));
      await tx.insertFirewall(firewall("firewall-b1", B));
    });
  }

  it("firewalls: read back exactly as written, by id in scope only; listing pages user-defined ones in order", async () => {
    await world();
    await t.store().write((tx) => tx.insertFirewall(firewall("firewall-dflt", A, { type: "recommend web" })));
    const [byIds, page1, page2, foreign] = await t
      .store()
      .read((tx) =>
        Promise.all([
          tx.firewallsByIds(A, ["firewall-a2", "firewall-a1", "firewall-a3", "firewall-b1", "nope"]),
          tx.listUserFirewalls(A, { offset: 0, limit: 1 }),
          tx.listUserFirewalls(A, { offset: 1, limit: 5 }),
          tx.firewallsByIds(B, ["firewall-a1"]),
        ]),
      );
    assert.deepEqual(byIds, [firewall("firewall-a1", A), firewall("firewall-a2", A, { rules: [ssh] })]);
    assert.deepEqual(
      page1.rows.map((f) => f.fwId),
      ["firewall-a1"],
    );
    assert.equal(page1.total, 2, "the stored default is not a user-defined firewall");
    assert.deepEqual(
      page2.rows.map((f) => f.fwId),
      ["firewall-a2"],
    );
    assert.deepEqual(foreign, []);
  });

  it("updateFirewall replaces the rule set and attributes; insertFirewallIfAbsent stores once; ids do not move", async () => {
    await world();
    await t.store().write(async (tx) => {
      await tx.updateFirewall("firewall-a1", { rules: [icmp], name: "renamed" });
      assert.equal(await tx.insertFirewallIfAbsent(firewall("firewall-a1", A, { name: "other" })), false);
      assert.equal(await tx.insertFirewallIfAbsent(firewall("firewall-new", A)), true);
    });
    const [a1, created] = await t.store().read((tx) => tx.firewallsByIds(A, ["firewall-a1", "firewall-new"]));
    assert.deepEqual(a1, firewall("firewall-a1", A, { rules: [icmp], name: "renamed" }));
    assert.equal(created?.fwId, "firewall-new");
    await rejectsWith(
      t.store().write((tx) => tx.upsertFirewall(firewall("firewall-a1", B))),
      "unique",
    );
    await rejectsWith(
      t.store().write((tx) => tx.updateFirewall("nope", { name: "x" })),
      "not-found",
    );
  });

  it("grants: one firewall per resource (a new grant replaces the old), counted and listed in grant order", async () => {
    await world();
    await t.store().write(async (tx) => {
      await tx.grantFirewall("uhost-fw-a1", "firewall-a1");
      await tx.grantFirewall("ulb-fw-a2", "firewall-a1");
      await tx.grantFirewall("uhost-fw-a1", "firewall-a2");
      await tx.grantFirewall("ulb-fw-a2", "firewall-a1");
    });
    const [grants, counts, listed] = await t
      .store()
      .read((tx) =>
        Promise.all([
          tx.firewallGrantsOfResources(["uhost-fw-a1", "ulb-fw-a2", "uhost-a1"]),
          tx.firewallGrantCounts(["firewall-a1", "firewall-a2", "firewall-a3"]),
          tx.listFirewallResources("firewall-a1", PAGE),
        ]),
      );
    assert.deepEqual(
      [...grants].sort((a, b) => a.resourceId.localeCompare(b.resourceId)),
      [
        { resourceId: "uhost-fw-a1", fwId: "firewall-a2" },
        { resourceId: "ulb-fw-a2", fwId: "firewall-a1" },
      ],
    );
    assert.deepEqual([...counts].sort(), [
      ["firewall-a1", 1],
      ["firewall-a2", 1],
    ]);
    assert.deepEqual(
      listed.rows.map((r) => r.resourceId),
      ["ulb-fw-a2"],
    );
    assert.equal(listed.total, 1);
  });

  it("the database refuses grants to a SecGroup-mode resource and across scopes, and deleting a granted firewall", async () => {
    await world();
    await rejectsWith(
      t.store().write((tx) => tx.grantFirewall("uhost-a1", "firewall-a1")),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.grantFirewall("uhost-fw-a3", "firewall-a1")),
      "foreign-key",
    );
    await rejectsWith(
      t.store().write((tx) => tx.grantFirewall("uhost-fw-a1", "firewall-b1")),
      "foreign-key",
    );
    await t.store().write((tx) => tx.grantFirewall("uhost-fw-a1", "firewall-a1"));
    await rejectsWith(
      t.store().write((tx) => tx.deleteFirewall("firewall-a1")),
      "foreign-key",
    );
    // A resource moved to SecGroup mode leaves its firewall; then the firewall may go.
    await t.store().write((tx) => tx.updateResource("uhost-fw-a1", { securityMode: "SecGroup" }));
    await t.store().write((tx) => tx.deleteFirewall("firewall-a1"));
    assert.deepEqual(await t.store().read((tx) => tx.firewallsByIds(A, ["firewall-a1"])), []);
  });

  it("a deregistered resource, or one a seed moves to SecGroup mode, takes its grant with it", async () => {
    await world();
    await t.store().write(async (tx) => {
      await tx.grantFirewall("uhost-fw-a1", "firewall-a1");
      await tx.grantFirewall("ulb-fw-a2", "firewall-a1");
    });
    await t.store().write(async (tx) => {
      await tx.deleteResource("uhost-fw-a1");
      await tx.upsertResources([resource("ulb-fw-a2", A, "uvnet-a1", { resourceType: "ulb" })]);
    });
    assert.deepEqual(await t.store().read((tx) => tx.firewallGrantsOf(A.companyId)), []);
  });

  it("every change is a feed event in the firewall's scope; an unchanged upsert or regrant records none", async () => {
    await world();
    // PostgreSQL numbers events after commit: the world's must have their positions before the head is taken.
    await t.store().feedSettled();
    const head = (await t.store().read((tx) => tx.feedInfo())).head;
    await t.store().write(async (tx) => {
      await tx.updateFirewall("firewall-a2", { remark: "r" });
      await tx.upsertFirewall(firewall("firewall-a2", A, { rules: [ssh], remark: "r" }));
      await tx.grantFirewall("uhost-fw-a1", "firewall-a1");
      await tx.grantFirewall("uhost-fw-a1", "firewall-a1");
      await tx.grantFirewall("uhost-fw-a1", "firewall-a2");
      await tx.deleteFirewallGrants(["uhost-fw-a1"]);
      await tx.deleteFirewall("firewall-a1");
    });
    await t.store().feedSettled();
    const { events } = await t.store().read((tx) => tx.feedEvents(head, {}, 100));
    assert.deepEqual(
      events.map((e) => [e.type, e.objectId, e.companyId, e.projectId, e.region]),
      [
        ["FirewallUpdated", "firewall-a2", A.companyId, A.projectId, A.region],
        ["FirewallGranted", "uhost-fw-a1", A.companyId, A.projectId, A.region],
        ["FirewallGrantChanged", "uhost-fw-a1", A.companyId, A.projectId, A.region],
        ["FirewallGrantRemoved", "uhost-fw-a1", A.companyId, A.projectId, A.region],
        ["FirewallDeleted", "firewall-a1", A.companyId, A.projectId, A.region],
      ],
    );
    assert.deepEqual(events[0]?.state, {
      FWId: "firewall-a2",
      Name: "name-firewall-a2",
      Tag: "Default",
      Remark: "r",
      Type: "user defined",
      CreateTime: 1_700_000_000,
      Rules: ["TCP|22|0.0.0.0/0|ACCEPT|HIGH"],
      CompanyId: A.companyId,
      ProjectId: A.projectId,
      Region: A.region,
    });
    assert.deepEqual(events[2]?.state, { ResourceId: "uhost-fw-a1", FWId: "firewall-a2" });
  });

  it("a firewall's delete waits for a writer that pinned it to grant, then sees the grant", async () => {
    await world();
    let pinnedAt = 0;
    const granter = t.store().write(async (tx) => {
      await tx.lockResources(["uhost-fw-a1"]);
      assert.equal((await tx.firewallsToGrant(A, ["firewall-a2"])).length, 1);
      pinnedAt = Date.now();
      await sleep(60);
      await tx.grantFirewall("uhost-fw-a1", "firewall-a2");
      return Date.now();
    });
    // Started once the granter holds its pin (on SQLite, writers are serial: it simply runs after).
    while (pinnedAt === 0) await sleep(2);
    const deleter = t.store().write(async (tx) => {
      await tx.lockFirewalls(["firewall-a2"], "delete");
      return { lockedAt: Date.now(), count: (await tx.firewallGrantCounts(["firewall-a2"])).get("firewall-a2") };
    });
    const [committedAt, seen] = await Promise.all([granter, deleter]);
    assert.ok(seen.lockedAt >= committedAt, "the delete got its lock only after the grant committed");
    assert.equal(seen.count, 1);
  });

  it("snapshots hold the stored firewalls and grants", async () => {
    await world();
    await t.store().write((tx) => tx.grantFirewall("uhost-fw-a1", "firewall-a1"));
    const rows = await t.store().read((tx) => tx.snapshotRows({ companyId: A.companyId, projectId: A.projectId }));
    assert.deepEqual(
      rows.firewalls.map((f) => f.fwId),
      ["firewall-a1", "firewall-a2"],
    );
    assert.deepEqual(rows.firewallGrants, [{ resourceId: "uhost-fw-a1", fwId: "firewall-a1" }]);
  });
}
