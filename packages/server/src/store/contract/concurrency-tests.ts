// Contract: racing writers that lock what they decide on run one after the other; a lost race is re-run, bounded.
import assert from "node:assert/strict";
import { it } from "node:test";
import { ApiError } from "@sgplane/catalogue";
import { StoreError } from "../errors.ts";
import type { WriteTx } from "../port.ts";
import { type ContractContext, tick } from "./context.ts";
import { A, group, resource } from "./world.ts";

/** A writer's own refusal, which rolls its transaction back. */
class Full extends Error {}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves when `signal` is called, or after `ms` (an engine with one writer never lets the other side run). */
function latch(ms: number): { signal: () => void; wait: () => Promise<void> } {
  let signal = (): void => {};
  const done = new Promise<void>((resolve) => {
    signal = resolve;
  });
  return { signal, wait: () => Promise.race([done, sleep(ms)]) };
}

export function concurrencyTests(t: ContractContext): void {
  it("a writer locking a row waits for the holder to commit, then reads what the holder wrote", async () => {
    const R = "uhost-a1";
    const holding = latch(1000);
    const first = t.store().write(async (tx) => {
      await tx.lockResources([R]);
      await tx.lockSecGroups(["secgroup-a1"]);
      holding.signal();
      await sleep(60);
      await tx.putBindings([{ resourceId: R, secGroupId: "secgroup-a1", priority: 1 }]);
      return Date.now();
    });
    await holding.wait();
    const second = t.store().write(async (tx) => {
      await tx.lockResources([R]);
      const lockedAt = Date.now();
      return { lockedAt, bindings: await tx.bindingsOfResources([R]) };
    });
    const [committedAt, seen] = await Promise.all([first, second]);
    assert.ok(seen.lockedAt >= committedAt, "the second writer got the lock only after the first committed");
    assert.deepEqual(seen.bindings, [{ resourceId: R, secGroupId: "secgroup-a1", priority: 1 }]);
  });

  it("racing quota checks under lockCompany never exceed the quota", async () => {
    await t.store().write((tx) => tx.setQuotas(A.companyId, { SecGroupsPerCompany: 6 }));
    const N = 12;
    const created = await Promise.all(
      Array.from({ length: N }, (_, i) =>
        t.store().write(async (tx) => {
          await tx.lockCompany(A.companyId);
          const limit = (await tx.company(A.companyId))?.quotas.SecGroupsPerCompany ?? 0;
          const count = await tx.countSecGroups(A.companyId);
          await tick();
          if (count >= limit) return false;
          await tx.insertSecGroup(group(`secgroup-race${i}`, A, "uvnet-a1"));
          return true;
        }),
      ),
    );
    assert.equal(created.filter(Boolean).length, 2);
    assert.equal(await t.store().read((tx) => tx.countSecGroups(A.companyId)), 6);
  });

  it("racing binders that check lockSecGroupLoads after writing never overfill a group", async () => {
    const G = "secgroup-a1";
    const hosts = Array.from({ length: 8 }, (_, i) => `uhost-q${i}`);
    await t.store().write(async (tx) => {
      await tx.upsertResources(hosts.map((id) => resource(id, A, "uvnet-a1")));
      await tx.putBindings([{ resourceId: "uhost-a1", secGroupId: G, priority: 1 }]);
    });
    const limit = 3;
    const outcomes = await Promise.all(
      hosts.map((id) =>
        t
          .store()
          .write(async (tx) => {
            // As a binder does: pin the group, write, then count under the lock as the last step.
            assert.equal((await tx.secGroupsToBind(A, [G])).length, 1);
            await tx.putBindings([{ resourceId: id, secGroupId: G, priority: 1 }]);
            await tick();
            const load = (await tx.lockSecGroupLoads([G])).get(G) ?? 0;
            if (load > limit) throw new Full();
            return "bound";
          })
          .catch((e: unknown) => {
            if (e instanceof Full) return "full";
            throw e;
          }),
      ),
    );
    assert.equal(outcomes.filter((o) => o === "bound").length, limit - 1);
    assert.equal((await t.store().read((tx) => tx.bindingsOfSecGroups([G]))).length, limit);
  });

  it("lockSecGroupLoads counts this transaction's own writes", async () => {
    const loads = await t.store().write(async (tx) => {
      const before = (await tx.lockSecGroupLoads(["secgroup-a1"])).get("secgroup-a1");
      await tx.putBindings([
        { resourceId: "uhost-a1", secGroupId: "secgroup-a1", priority: 1 },
        { resourceId: "uhost-a2", secGroupId: "secgroup-a1", priority: 1 },
      ]);
      const added = (await tx.lockSecGroupLoads(["secgroup-a1"])).get("secgroup-a1");
      await tx.deleteBindings([{ resourceId: "uhost-a2", secGroupId: "secgroup-a1" }]);
      return [before, added, (await tx.lockSecGroupLoads(["secgroup-a1"])).get("secgroup-a1")];
    });
    assert.deepEqual(loads, [0, 2, 1]);
  });

  it("a group's delete waits for a writer that pinned it to bind, then sees its binding", async () => {
    const G = "secgroup-a2";
    const pinned = latch(1000);
    const binder = t.store().write(async (tx) => {
      assert.equal((await tx.secGroupsToBind(A, [G])).length, 1);
      pinned.signal();
      await sleep(60);
      await tx.putBindings([{ resourceId: "uhost-a1", secGroupId: G, priority: 1 }]);
      return Date.now();
    });
    await pinned.wait();
    const deleter = t.store().write(async (tx) => {
      await tx.lockSecGroups([G], "delete");
      return { lockedAt: Date.now(), bound: await tx.bindingsOfSecGroups([G]) };
    });
    const [committedAt, seen] = await Promise.all([binder, deleter]);
    assert.ok(seen.lockedAt >= committedAt, "the delete got its lock only after the binder committed");
    assert.deepEqual(seen.bound, [{ resourceId: "uhost-a1", secGroupId: G, priority: 1 }]);
  });

  it("a writer pinning a group waits for its delete in progress, then does not find it", async () => {
    const G = "secgroup-a3";
    const locked = latch(1000);
    const deleter = t.store().write(async (tx) => {
      await tx.lockSecGroups([G], "delete");
      locked.signal();
      await sleep(60);
      await tx.deleteSecGroups([G]);
    });
    await locked.wait();
    const found = await t.store().write((tx) => tx.secGroupsToBind(A, [G]));
    await deleter;
    assert.deepEqual(found, []);
  });

  it("two writers each removing one of a resource's two groups leave one (the min-one check after the lock)", async () => {
    const R = "uhost-a2";
    const G = ["secgroup-a1", "secgroup-a2"];
    await t.store().write((tx) => tx.putBindings(G.map((g, i) => ({ resourceId: R, secGroupId: g, priority: i + 1 }))));
    const unbind = (g: string) =>
      t.store().write(async (tx) => {
        // As an unbind does: the resource's lock alone.
        await tx.lockResources([R]);
        const bound = await tx.bindingsOfResources([R]);
        await tick();
        if (bound.length <= 1) return "refused";
        await tx.deleteBindings([{ resourceId: R, secGroupId: g }]);
        return "removed";
      });
    const outcomes = await Promise.all(G.map(unbind));
    assert.deepEqual([...outcomes].sort(), ["refused", "removed"]);
    assert.equal((await t.store().read((tx) => tx.bindingsOfResources([R]))).length, 1);
  });

  it("writers locking in opposite orders (a deadlock on PostgreSQL) both commit, each exactly once", async () => {
    let runs = 0;
    const firstLocks = [latch(300), latch(300)] as const;
    const bump = async (tx: WriteTx, id: string) => {
      const [g] = await tx.secGroupsByIds(A, [id]);
      await tx.updateSecGroup(id, { remark: String(Number(g?.remark || "0") + 1) });
    };
    // Deliberately against the port's order, to prove the safety net: PostgreSQL aborts one (40P01), and write
    // runs that one again from the start once the other has committed.
    const writer = (mine: 0 | 1, order: readonly [string, string]) =>
      t.store().write(async (tx) => {
        runs++;
        await tx.lockSecGroups([order[0]]);
        firstLocks[mine].signal();
        await firstLocks[mine === 0 ? 1 : 0].wait();
        await tx.lockSecGroups([order[1]]);
        await bump(tx, order[0]);
        await bump(tx, order[1]);
      });
    await Promise.all([writer(0, ["secgroup-a1", "secgroup-a2"]), writer(1, ["secgroup-a2", "secgroup-a1"])]);
    const remarks = await t.store().read((tx) => tx.secGroupsByIds(A, ["secgroup-a1", "secgroup-a2"]));
    assert.deepEqual(
      remarks.map((g) => g.remark),
      ["2", "2"],
    );
    assert.equal(runs, t.store().engine === "postgres" ? 3 : 2);
  });

  const serial = t.engine.serialWriters && "one writer at a time: a write never loses to another";
  it("a write that keeps losing is run a bounded number of times, then answers TransactionConflict, keeping nothing", {
    skip: serial,
  }, async () => {
    let runs = 0;
    await assert.rejects(
      t.store().write(async (tx) => {
        runs++;
        await tx.lockSecGroups(["secgroup-a1"]);
        await tx.updateSecGroup("secgroup-a1", { remark: `run ${runs}` });
        // What the driver makes of a deadlock or lock timeout (SQLSTATE 40P01 / 55P03), every time.
        throw new StoreError("conflict", "deadlock detected");
      }),
      (e: unknown) => e instanceof ApiError && e.retCode === 150 && /conflict on \[secgroup-a1\]/.test(e.message),
    );
    assert.equal(runs, 8);
    assert.equal((await t.store().read((tx) => tx.secGroupsByIds(A, ["secgroup-a1"])))[0]?.remark, "");
  });
}
