// Contract: all-or-nothing writes, read isolation, no lost update under interleaving, durability, lifecycle.
import assert from "node:assert/strict";
import { it } from "node:test";
import type { ReadTx } from "../port.ts";
import { type ContractContext, rejectsWith, tick } from "./context.ts";
import { A, group, PAGE, resource } from "./world.ts";

const groupIds = (tx: ReadTx) => tx.listSecGroups(A, {}, PAGE).then((p) => p.rows.map((g) => g.secGroupId));

export function transactionTests(t: ContractContext): void {
  it("a throw inside write rolls back everything it did, and the store keeps working", async () => {
    const before = await t.store().read(groupIds);
    await assert.rejects(
      t.store().write(async (tx) => {
        await tx.insertSecGroup(group("secgroup-new", A, "uvnet-a1"));
        await tx.updateSecGroup("secgroup-a1", { name: "changed" });
        await tick();
        throw new Error("boom");
      }),
      /boom/,
    );
    // A constraint failure half-way also undoes the statements before it.
    await rejectsWith(
      t.store().write(async (tx) => {
        await tx.insertSecGroup(group("secgroup-new", A, "uvnet-a1"));
        await tx.putBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 9 }]);
      }),
      "check",
    );
    await t.store().read(async (tx) => {
      assert.deepEqual(await groupIds(tx), before);
      assert.equal((await tx.secGroupsByIds(A, ["secgroup-a1"]))[0]?.name, "name-secgroup-a1");
    });
    await t.store().write((tx) => tx.insertSecGroup(group("secgroup-new", A, "uvnet-a1")));
    assert.ok((await t.store().read(groupIds)).includes("secgroup-new"));
  });

  it("write returns its callback's value; a transaction handle is dead once its callback ends", async () => {
    let leaked: ReadTx | undefined;
    const n = await t.store().write(async (tx) => {
      leaked = tx;
      return tx.countSecGroups(A.companyId);
    });
    assert.equal(n, 4);
    assert.ok(leaked);
    await assert.rejects(leaked.countSecGroups(A.companyId), /finished/);
  });

  it("a read never sees another request's uncommitted writes", async () => {
    let open = (): void => {};
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const writing = t.store().write(async (tx) => {
      await tx.insertSecGroup(group("secgroup-pending", A, "uvnet-a1"));
      await gate;
    });
    await tick();
    const reading = t.store().read(async (tx) => (await groupIds(tx)).includes("secgroup-pending"));
    try {
      // Either the read runs now on committed data (given time for a new pooled connection, even on a loaded
      // machine), or (single-connection engines) it waits for the commit.
      let timer: NodeJS.Timeout | undefined;
      const waiting = new Promise<"waiting">((r) => {
        timer = setTimeout(() => r("waiting"), t.engine.concurrentReads ? 10_000 : 50);
      });
      const early = await Promise.race([reading, waiting]);
      clearTimeout(timer);
      assert.equal(early, t.engine.concurrentReads ? false : "waiting");
    } finally {
      // Always let the writer finish: a transaction left open would hang the store's close after a failure.
      open();
      await writing;
    }
    assert.equal(await reading, !t.engine.concurrentReads);
    assert.equal((await t.store().read(groupIds)).includes("secgroup-pending"), true);
  });

  it("interleaved read-modify-write transactions that lock first never lose an update; reads never see half a move", async () => {
    const R = "uhost-a1";
    const G = ["secgroup-a1", "secgroup-a2", "secgroup-a3"];
    await t.store().write((tx) => tx.putBindings(G.map((g, i) => ({ resourceId: R, secGroupId: g, priority: i + 1 }))));
    const N = 64;
    const writers = Array.from({ length: N }, () =>
      t.store().write(async (tx) => {
        // The port's rule for read-decide-write: lock (groups, then resources), then read. Without the locks,
        // PostgreSQL's READ COMMITTED would let two writers read the same remark and both write remark + 1.
        await tx.lockSecGroups(["secgroup-a4"]);
        await tx.lockResources([R]);
        const [g] = await tx.secGroupsByIds(A, ["secgroup-a4"]);
        const bindings = await tx.bindingsOfResources([R]);
        await tick(); // give every other request the chance to interleave here
        await tx.updateSecGroup("secgroup-a4", { remark: String(Number(g?.remark || "0") + 1) });
        // Rotate priorities 1→2→3→1: a set move that clashes row by row.
        await tx.putBindings(bindings.map((b) => ({ ...b, priority: (b.priority % 3) + 1 })));
      }),
    );
    const readers = Array.from({ length: N }, () =>
      t.store().read(async (tx) => {
        const seen = (await tx.bindingsOfResources([R])).map((b) => b.priority).sort();
        assert.deepEqual(seen, [1, 2, 3]);
      }),
    );
    await Promise.all([...writers, ...readers]);
    await t.store().read(async (tx) => {
      assert.equal((await tx.secGroupsByIds(A, ["secgroup-a4"]))[0]?.remark, String(N));
      const final = await tx.bindingsOfResources([R]);
      assert.deepEqual(
        final.map((b) => [b.secGroupId, b.priority]),
        G.map((g, i) => [g, ((i + N) % 3) + 1]),
      );
    });
  });

  it("lookups by more ids than one statement takes keep creation order", async () => {
    const ids = Array.from({ length: 1300 }, (_, i) => `uhost-many-${String(i).padStart(4, "0")}`);
    await t.store().write(async (tx) => {
      for (const id of ids) await tx.upsertResource(resource(id, A, "uvnet-a2", { superResourceId: "uhost-a1" }));
    });
    const reversed = [...ids].reverse();
    const byIds = await t.store().read((tx) => tx.resourcesByIds(A, reversed));
    assert.deepEqual(
      byIds.map((r) => r.resourceId),
      ids,
    );
    assert.equal((await t.store().read((tx) => tx.childResources(["uhost-a1"]))).length, ids.length);
  });

  it("data survives close and reopen", async (ctx) => {
    const { reopen } = t.handle();
    if (reopen === undefined) return ctx.skip("an in-memory database does not outlive its connection");
    await t.store().write(async (tx) => {
      await tx.putBindings([{ resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 3 }]);
      await tx.setQuotas(A.companyId, { SecGroupsPerCompany: 9 });
    });
    const again = await reopen();
    await again.read(async (tx) => {
      assert.deepEqual(await tx.bindingsOfResources(["uhost-a1"]), [
        { resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 3 },
      ]);
      assert.equal((await tx.company(A.companyId))?.quotas.SecGroupsPerCompany, 9);
      assert.equal(await tx.countSecGroups(A.companyId), 4);
    });
  });

  it("ping answers while open; close waits for work in flight, then refuses new work", async () => {
    const store = t.store();
    await store.ping();
    const inFlight = store.write(async (tx) => {
      await tick();
      await tx.updateSecGroup("secgroup-a1", { remark: "done" });
      return "committed";
    });
    const closing = store.close();
    assert.equal(await inFlight, "committed");
    await closing;
    await assert.rejects(store.read(groupIds), /closed/);
    await assert.rejects(store.ping(), /closed/);
  });
}
