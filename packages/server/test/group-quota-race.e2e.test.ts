// Racing binds to one group from different resources, over 3 servers on one PostgreSQL database: binding writers lock
// resources, not groups, and check a group's quota under its lock as their last step (docs/architecture.md,
// "Concurrency"). A group must never pass its ResourcesPerSecGroup quota, and every refused bind must say 58206.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { postgresSkipReason, queryDatabase } from "../src/store/postgres/test-database.ts";
import { type PostgresCluster, startPostgresCluster } from "./harness.ts";
import { KEY, PROJECT, REGION, RESOURCES, SEED_FILE } from "./race-world.ts";

const QUOTA = 3;
const GROUP = "secgroup-quota1";
const ROUNDS = 6;

/** The race world, with a group quota of 3 and one more group that nothing is bound to. */
function quotaSeed(): object {
  const [company] = SEED_FILE.Companies;
  if (company === undefined) throw new Error("the race seed has no company");
  const [vpc] = company.VPCs;
  return {
    ...SEED_FILE,
    Companies: [
      {
        ...company,
        Quotas: { ...company.Quotas, ResourcesPerSecGroup: QUOTA },
        SecGroups: [
          ...company.SecGroups,
          { SecGroupId: GROUP, Region: REGION, ProjectId: PROJECT, VPCId: vpc?.VPCId, Name: GROUP },
        ],
      },
    ],
  };
}

const pgSkip = await postgresSkipReason();

describe("group quota race: 3 servers on one PostgreSQL database", { skip: pgSkip ?? false, timeout: 120_000 }, () => {
  let cluster: PostgresCluster | undefined;
  after(() => cluster?.stop());

  it("binds racing for a group's last slots fill it exactly; the rest get 58206; a whole-group unbind races too", async () => {
    cluster = await startPostgresCluster("quota_race", quotaSeed());
    const { servers, databaseUrl } = cluster;
    const clients = servers.map((s) => s.client(KEY, { projectId: PROJECT, region: REGION }));
    const send = async (k: number, action: string, params: Record<string, unknown>) =>
      Number((await (clients[k % clients.length] ?? clients[0])?.send(action, params))?.body.RetCode);
    const bound = async () =>
      Number(
        (
          await queryDatabase(databaseUrl, (c) =>
            c.query("SELECT COUNT(*) AS n FROM bindings WHERE secgroup_id = $1", [GROUP]),
          )
        ).rows[0]?.n,
      );
    const bindEach = () =>
      Promise.all(
        RESOURCES.map((r, k) =>
          send(k, "AssociateSecGroup", { ResourceId: [r], PrioritySecGroup: [{ SecGroupId: GROUP, Priority: 3 }] }),
        ),
      );

    for (let round = 0; round < ROUNDS; round++) {
      const codes = await bindEach();
      assert.deepEqual(
        [...codes].sort((a, b) => a - b),
        [...Array(QUOTA).fill(0), ...Array(RESOURCES.length - QUOTA).fill(58206)],
        `round ${round}: ${codes.join(",")}`,
      );
      assert.equal(await bound(), QUOTA, `round ${round}`);
      // The unbind of the whole group races a second wave of binds: whatever the order, the group stays within
      // its quota, every answer is one of the two, and the group is empty after a last unbind.
      const [unbound, wave] = await Promise.all([
        send(round, "DisassociateSecGroup", { SecGroupId: [GROUP] }),
        bindEach(),
      ]);
      assert.equal(unbound, 0, `round ${round}: the whole-group unbind`);
      assert.ok(
        wave.every((c) => c === 0 || c === 58206),
        `round ${round}: ${wave.join(",")}`,
      );
      assert.ok((await bound()) <= QUOTA, `round ${round}: over the quota`);
      assert.equal(await send(round, "DisassociateSecGroup", { SecGroupId: [GROUP] }), 0);
      assert.equal(await bound(), 0);
    }
  });
});
