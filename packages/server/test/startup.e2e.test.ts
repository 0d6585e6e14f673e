// Start-up and shutdown of the real process: config errors, invalid seeds (nothing loaded), SIGTERM, persistence.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { EXAMPLE_SEED, OPERATOR, runToExit, startServer } from "./harness.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sgplane-startup-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("configuration", () => {
  it("a bad flag value stops start-up with a message naming it", async () => {
    const r = await runToExit(["serve", "--port", "99999"]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--port: expected an integer from 0 to 65535/);
    const db = await runToExit(["serve", "--db", "mysql://x"]);
    assert.equal(db.code, 2);
    assert.match(db.stderr, /--db/);
  });

  it("serve --help lists the flags and their environment variables", async () => {
    const r = await runToExit(["serve", "--help"]);
    assert.equal(r.code, 0);
    for (const flag of ["--host", "--port", "--db", "--seed", "--operator-key", "--log-level", "SGPLANE_DB"]) {
      assert.ok(r.stdout.includes(flag), flag);
    }
  });
});

describe("seed", () => {
  it("an invalid seed stops start-up naming the path, and loads nothing", async () => {
    const seed = JSON.parse(await readFile(EXAMPLE_SEED, "utf8")) as {
      Companies: { Resources: { VPCId: string }[] }[];
    };
    const company = seed.Companies[0];
    assert.ok(company);
    const resource = company.Resources[3];
    assert.ok(resource);
    resource.VPCId = "uvnet-missing";
    const seedPath = join(dir, "bad-seed.json");
    await writeFile(seedPath, JSON.stringify(seed));
    const dbPath = join(dir, "bad.db");
    const r = await runToExit(["serve", "--port", "0", "--db", `sqlite:${dbPath}`, "--seed", seedPath]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Companies\[0\]\.Resources\[3\]\.VPCId/);
    const server = await startServer({ db: `sqlite:${dbPath}` });
    try {
      const state = await server.client(OPERATOR).call<{ State: { Companies: unknown[] } }>("AdminExportState");
      assert.deepEqual(state.State.Companies, []);
    } finally {
      await server.stop();
    }
  });

  it("loading the same seed twice gives the same state (idempotent upsert)", async () => {
    const dbPath = `sqlite:${join(dir, "twice.db")}`;
    const first = await startServer({ db: dbPath, seed: EXAMPLE_SEED });
    const a = await first.client(OPERATOR).call("AdminExportState");
    await first.stop();
    const second = await startServer({ db: dbPath, seed: EXAMPLE_SEED });
    const b = await second.client(OPERATOR).call("AdminExportState");
    await second.stop();
    assert.deepEqual(b.State, a.State);
  });
});

describe("lifecycle", () => {
  it("SIGTERM stops the server cleanly (exit 0) and state persists across restart", async () => {
    const db = `sqlite:${join(dir, "persist.db")}`;
    const first = await startServer({ db, seed: EXAMPLE_SEED });
    const created = await first
      .client()
      .call<{ SecGroupId: string }>("CreateSecGroup", { VPCID: "uvnet-demo01", Name: "persisted" });
    assert.equal(await first.stop(), 0);
    const second = await startServer({ db });
    try {
      const found = await second
        .client()
        .call<{ DataSet: { Name: string }[] }>("DescribeSecGroup", { SecGroupId: [created.SecGroupId] });
      assert.equal(found.DataSet[0]?.Name, "persisted");
    } finally {
      await second.stop();
    }
  });
});
