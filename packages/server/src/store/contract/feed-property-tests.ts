// Contract, property: after random changes, a snapshot taken at readAtFeedHead's head with the events after it
// folded in (feed-fold.ts) is exactly a later snapshot — for every filter a reader may use.
import assert from "node:assert/strict";
import { it } from "node:test";
import fc from "fast-check";
import { isStoreError } from "../errors.ts";
import type { FeedFilter, Scope, Store, WriteTx } from "../port.ts";
import type { ContractContext } from "./context.ts";
import { fold, type ObjectStates, sorted, statesOf } from "./feed-fold.ts";
import { A, A_SH, A2, B, group, resource, rule, seedWorld } from "./world.ts";

const RUNS = Number(process.env.PROPERTY_RUNS ?? 25);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);

/** Groups and hosts i live in VPC i % 4, so a host and a group of the same index modulo 4 can be bound. */
const VPCS: readonly { vpcId: string; scope: Scope }[] = [
  { vpcId: "uvnet-a1", scope: A },
  { vpcId: "uvnet-ap2", scope: A2 },
  { vpcId: "uvnet-ash", scope: A_SH },
  { vpcId: "uvnet-b1", scope: B },
];
const vpcOf = (i: number) => VPCS[i % VPCS.length] as { vpcId: string; scope: Scope };
const groupId = (g: number) => `secgroup-p${g}`;
const hostId = (h: number) => `uhost-p${h}`;

type Cmd =
  | { k: "group"; g: number; name: number }
  | { k: "rename"; g: number; name: number }
  | { k: "dropGroup"; g: number }
  | { k: "rules"; g: number; r: number; port: number }
  | { k: "dropRule"; g: number; r: number }
  | { k: "bind"; h: number; g: number; p: number }
  | { k: "unbind"; h: number; g: number }
  | { k: "host"; h: number; name: number; firewall: boolean }
  | { k: "dropHost"; h: number }
  | { k: "quota"; company: number; n: number }
  | { k: "user"; n: number; projects: number; secret: number }
  | { k: "vpcName"; v: number; name: number }
  | { k: "regions"; n: number }
  | { k: "reset" }
  | { k: "reseed" };

const small = (max: number) => fc.integer({ min: 0, max });
const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant("group" as const), g: small(7), name: small(9) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("rename" as const), g: small(7), name: small(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dropGroup" as const), g: small(7) }) },
  { weight: 3, arbitrary: fc.record({ k: fc.constant("rules" as const), g: small(7), r: small(2), port: small(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dropRule" as const), g: small(7), r: small(2) }) },
  { weight: 4, arbitrary: fc.record({ k: fc.constant("bind" as const), h: small(7), g: small(1), p: small(4) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant("unbind" as const), h: small(7), g: small(1) }) },
  {
    weight: 3,
    arbitrary: fc.record({ k: fc.constant("host" as const), h: small(7), name: small(9), firewall: fc.boolean() }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("dropHost" as const), h: small(7) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("quota" as const), company: small(1), n: small(9) }) },
  {
    weight: 1,
    arbitrary: fc.record({ k: fc.constant("user" as const), n: small(1), projects: small(2), secret: small(1) }),
  },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("vpcName" as const), v: small(3), name: small(9) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant("regions" as const), n: small(1) }) },
  { weight: 1, arbitrary: fc.constant({ k: "reset" as const }) },
  { weight: 2, arbitrary: fc.constant({ k: "reseed" as const }) },
);

/** One write: its commands, and whether it throws at the end (then nothing of it may show). */
interface Step {
  readonly cmds: readonly Cmd[];
  readonly fail: boolean;
}
const stepArb: fc.Arbitrary<Step> = fc.record({
  cmds: fc.array(cmdArb, { minLength: 1, maxLength: 3 }),
  fail: fc.integer({ min: 0, max: 7 }).map((n) => n === 0),
});

const FILTERS: readonly FeedFilter[] = [
  {},
  { companyId: A.companyId },
  { companyId: B.companyId },
  { companyId: A.companyId, projects: [A.projectId] },
  { projects: [A2.projectId] },
  { companyId: A.companyId, region: A_SH.region },
  { companyId: A.companyId, projectId: A2.projectId },
  { region: A.region },
];

const hasGroup = async (tx: WriteTx, g: number): Promise<boolean> =>
  (await tx.secGroupsByIds(vpcOf(g).scope, [groupId(g)])).length > 0;

async function apply(tx: WriteTx, c: Cmd): Promise<void> {
  switch (c.k) {
    case "group": {
      const { vpcId, scope } = vpcOf(c.g);
      return tx.upsertSecGroup(
        group(groupId(c.g), scope, vpcId, { name: `g${c.name}`, tag: c.name === 2 ? "t" : "Default" }),
      );
    }
    case "rename":
      if (!(await hasGroup(tx, c.g))) return;
      return tx.updateSecGroup(groupId(c.g), { remark: `r${c.name}` });
    case "dropGroup": {
      const id = groupId(c.g);
      const bound = await tx.bindingsOfSecGroups([id]);
      await tx.deleteBindings(bound);
      return tx.deleteSecGroups([id]);
    }
    case "rules": {
      if (!(await hasGroup(tx, c.g))) return;
      return tx.replaceRules([
        rule(`rule-p${c.g}-${c.r}`, groupId(c.g), c.r + 1, { dstPort: String(20 + c.port), remark: `p${c.port}` }),
      ]);
    }
    case "dropRule":
      return tx.deleteRules([`rule-p${c.g}-${c.r}`]);
    case "bind": {
      // Same VPC by construction; a priority another group holds is refused, and the write rolled back.
      const g = (c.h % 4) + 4 * c.g;
      if ((await tx.resourceById(hostId(c.h))) === undefined || !(await hasGroup(tx, g))) return;
      return tx.putBindings([{ resourceId: hostId(c.h), secGroupId: groupId(g), priority: c.p + 1 }]);
    }
    case "unbind":
      return tx.deleteBindings([{ resourceId: hostId(c.h), secGroupId: groupId((c.h % 4) + 4 * c.g) }]);
    case "host": {
      const { vpcId, scope } = vpcOf(c.h);
      const mode = c.firewall ? "Firewall" : "SecGroup";
      return tx.upsertResource(resource(hostId(c.h), scope, vpcId, { name: `h${c.name}`, securityMode: mode }));
    }
    case "dropHost": {
      const bound = await tx.bindingsOfResources([hostId(c.h)]);
      await tx.deleteBindings(bound);
      return tx.deleteResource(hostId(c.h));
    }
    case "quota":
      return tx.setQuotas(c.company === 0 ? A.companyId : B.companyId, { RulesPerDirection: 50 + c.n });
    case "user": {
      const projects = [[], [A.projectId], [A.projectId, A2.projectId]][c.projects] ?? [];
      await tx.upsertUser(A.companyId, { name: `user${c.n}`, subAccount: c.n === 1, projects });
      return tx.upsertKey(A.companyId, `user${c.n}`, `pk-p${c.n}`, `sk-${c.secret}`);
    }
    case "vpcName": {
      const { vpcId, scope } = vpcOf(c.v);
      return tx.upsertVpc({ vpcId, ...scope, name: `v${c.name}` });
    }
    case "regions":
      return tx.setRegions(c.n === 0 ? ["cn-bj2", "cn-sh2"] : ["cn-bj2", "cn-sh2", "cn-gd"]);
    case "reset":
      return tx.resetTenants();
    case "reseed":
      return; // run as a write of its own (seedWorld)
  }
}

/** Every group and host of the commands (so that most of them change something), as one write. */
const populate = (store: Store): Promise<void> =>
  store.write(async (tx) => {
    for (let i = 0; i < 8; i++) {
      await apply(tx, { k: "group", g: i, name: 0 });
      await apply(tx, { k: "host", h: i, name: 0, firewall: false });
    }
  });

class Planned extends Error {}

/** Runs a step as one write; a refused one (a StoreError) or a planned failure leaves nothing, by contract. */
async function run(store: Store, step: Step, n: number): Promise<void> {
  if (step.cmds.some((c) => c.k === "reseed")) {
    // The world again after a reset; before it, its groups exist and the whole write is refused.
    await seedWorld(store).catch((e: unknown) => {
      if (!isStoreError(e)) throw e;
    });
    return populate(store);
  }
  try {
    await store.write(
      async (tx) => {
        for (const c of step.cmds) await apply(tx, c);
        if (step.fail) throw new Planned("planned failure");
      },
      { requestId: `prop-${n}`, action: "Property" },
    );
  } catch (e) {
    if (!(e instanceof Planned) && !isStoreError(e)) throw e;
  }
}

async function snapshotAtHead(store: Store, filter: FeedFilter): Promise<{ head: number; states: ObjectStates }> {
  return store.readAtFeedHead(async (tx, info) => ({
    head: info.head,
    states: statesOf(await tx.snapshotRows(filter)),
  }));
}

export function feedPropertyTests(t: ContractContext): void {
  it("property: a snapshot at its head plus the events after it, folded, is a later snapshot, under every filter", async () => {
    const store = t.store();
    await populate(store);
    let n = 0;
    let productive = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(stepArb, { minLength: 1, maxLength: 10 }),
        fc.nat(),
        fc.constantFrom(...FILTERS),
        async (steps, cut, filter) => {
          // A sub-account sees no company-level event, CompanyDeleted included (docs/feed.md, "Who sees what").
          fc.pre(filter.projects === undefined || !steps.some((s) => s.cmds.some((c) => c.k === "reset")));
          const at = cut % steps.length; // at least one step after the first snapshot
          for (const step of steps.slice(0, at)) await run(store, step, n++);
          const before = await snapshotAtHead(store, filter);
          for (const step of steps.slice(at)) await run(store, step, n++);
          await store.feedSettled();
          const later = await snapshotAtHead(store, filter);
          const page = await store.read((tx) => tx.feedEvents(before.head, filter, 100_000));
          const events = page.events.filter((e) => e.position <= later.head);
          assert.ok(page.through >= later.head);
          if (events.length > 0) productive++;
          assert.deepEqual(sorted(fold(before.states, events)), sorted(later.states));
        },
      ),
      { numRuns: RUNS, ...(SEED !== undefined && { seed: SEED }) },
    );
    // The property was about something: many runs changed what their filter sees between the two snapshots.
    assert.ok(productive >= RUNS / 4, `only ${productive} of ${RUNS} runs folded any event`);
  });
}
