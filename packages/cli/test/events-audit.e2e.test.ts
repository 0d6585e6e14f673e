// `sgplane events` and `sgplane audit` as processes against the real server: listing with a resumable cursor,
// following until SIGINT, the audit table and a paged JSON-lines export.
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { after, before, describe, it } from "node:test";
import type { feedModels } from "@sgplane/catalogue";
import { SgplaneClient } from "@sgplane/sdk";
import {
  DEMO,
  EXAMPLE_SEED,
  runSgplane,
  runToExit,
  type ServerProcess,
  startServer,
} from "../../server/test/harness.ts";

let server: ServerProcess;
let demo: SgplaneClient;
let env: Record<string, string>;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
  demo = new SgplaneClient({ baseUrl: server.url, region: "cn-bj2", ...DEMO });
  env = {
    SGPLANE_CONFIG: `${server.dir}/absent.json`,
    SGPLANE_BASE_URL: server.url,
    SGPLANE_PUBLIC_KEY: DEMO.publicKey,
    SGPLANE_PRIVATE_KEY: DEMO.privateKey,
    SGPLANE_REGION: "cn-bj2",
  };
});
after(async () => {
  await server?.stop();
});

async function ok(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const r = await runToExit(args, env);
  assert.equal(r.code, 0, `sgplane ${args.join(" ")}\n${r.stderr}`);
  return r;
}

const CURSOR_LINE = /^Cursor: ([0-9a-f]{16}-\d+)/m;

function cursorIn(text: string): string {
  const m = CURSOR_LINE.exec(text);
  assert.ok(m?.[1], `no Cursor line in:\n${text}`);
  return m[1];
}

const position = (cursor: string) => Number(cursor.split("-")[1]);

describe("sgplane events", { timeout: 120_000 }, () => {
  it("prints the events after a cursor, then a cursor that resumes exactly after them", async () => {
    const start = cursorIn((await ok(["events"])).stdout);
    await demo.associateSecGroup({
      ResourceId: ["uhost-demo02"],
      PrioritySecGroup: [{ SecGroupId: "secgroup-demo02", Priority: 2 }],
    });
    await demo.updateSecGroup({ SecGroupId: ["secgroup-demo02"], Remark: "events-cli" });

    const listed = await ok(["events", "--after", start]);
    const lines = listed.stdout.split("\n");
    assert.match(lines[0] ?? "", /^Position\s+Time\s+Type\s+ObjectId\s+Action\s+Detail$/);
    assert.match(
      lines[1] ?? "",
      /^\d+\s+\d{4}-\d\d-\d\dT\S+Z\s+BindingAdded\s+uhost-demo02\/secgroup-demo02\s+AssociateSecGroup\s+Priority=2$/,
    );
    assert.match(lines[2] ?? "", /^\d+\s+\S+\s+SecGroupUpdated\s+secgroup-demo02\s+UpdateSecGroup\s+Name=monitoring/);
    const next = cursorIn(listed.stdout);
    assert.equal(position(next), position(start) + 2);
    assert.match(listed.stdout, new RegExp(`resume: sgplane events --after ${next}`));

    // From the printed cursor: nothing new, and the same cursor again.
    const again = await ok(["events", "--after", next]);
    assert.doesNotMatch(again.stdout, /BindingAdded|SecGroupUpdated/);
    assert.equal(cursorIn(again.stdout), next);

    // JSON lines: one event per line on stdout, the cursor on stderr; --types filters.
    const jsonl = await ok(["events", "--after", start, "--jsonl", "--types", "secgroupupdated"]);
    const events = jsonl.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as feedModels.FeedEvent);
    assert.deepEqual(
      events.map((e) => `${e.Type} ${e.ObjectId}`),
      ["SecGroupUpdated secgroup-demo02"],
    );
    assert.equal(cursorIn(jsonl.stderr), next);
    const json = JSON.parse((await ok(["events", "--after", start, "--json"])).stdout) as {
      Events: feedModels.FeedEvent[];
      Cursor: string;
    };
    assert.equal(json.Events.length, 2);
    assert.equal(json.Cursor, next);
  });

  it("--follow prints each event as it is made and exits 0 on SIGINT with the cursor to resume from", async () => {
    const { Cursor: start } = await demo.describeFeedSnapshot();
    const child = runSgplane(["events", "--follow", "--jsonl", "--after", start], env);
    const out = collect(child);
    try {
      const { SecGroupId } = await demo.createSecGroup({ VPCID: "uvnet-demo01", Name: "followed" });
      const first = await out.waitFor((s) => s.includes(SecGroupId));
      // Made only once the follower has printed the first one: it arrives because the command is still following.
      await demo.deleteSecGroup({ SecGroupId: [SecGroupId] });
      await out.waitFor((s) => s.split("\n").length > first.split("\n").length && s.includes("SecGroupDeleted"));
      assert.equal(child.exitCode, null, "still following");
      const exited = new Promise<number | null>((resolve) => child.once("close", resolve));
      const interruptedAt = Date.now();
      child.kill("SIGINT");
      assert.equal(await exited, 0, out.stderr());
      assert.ok(Date.now() - interruptedAt < 10_000, "exits promptly on SIGINT");
      const events = out
        .stdout()
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as feedModels.FeedEvent);
      assert.deepEqual(
        events.map((e) => `${e.Type} ${e.ObjectId}`),
        [`SecGroupCreated ${SecGroupId}`, `SecGroupDeleted ${SecGroupId}`],
      );
      assert.equal(cursorIn(out.stderr()), events[1]?.Cursor);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });

  it("usage mistakes exit 2: --follow --json, an unknown event type", async () => {
    const [followJson, badType] = await Promise.all([
      runToExit(["events", "--follow", "--json"], env),
      runToExit(["events", "--types", "SecGroupExploded"], env),
    ]);
    assert.equal(followJson.code, 2);
    assert.match(followJson.stderr, /--jsonl/);
    assert.equal(badType.code, 2);
    assert.match(badType.stderr, /events --types: expected one of SecGroupCreated/);
  });
});

describe("sgplane audit", { timeout: 180_000 }, () => {
  it("a table of the matching calls, with a refused one found by --failed and a relative --start", async () => {
    await demo.disassociateSecGroup({ ResourceId: ["uhost-demo04"] }).catch(() => undefined);
    const { stdout } = await ok(["audit", "--failed", "--start=-10m", "--resource-id", "uhost-demo04"]);
    const [header, row, ...rest] = stdout.split("\n");
    assert.match(header ?? "", /^Time\s+Action\s+RetCode\s+Caller\s+Target\s+SourceIp\s+RequestId\s+Message$/);
    assert.match(
      row ?? "",
      /^\S+Z\s+DisassociateSecGroup\s+58208\s+root\s+uhost-demo04\s+127\.0\.0\.1\s+[0-9a-f-]{36}\s+Resource/,
    );
    assert.match(rest.join("\n"), /TotalCount: 1 \(1–1 shown, newest first\)/);
    const future = await ok(["audit", "--failed", "--start", "2999-01-01"]);
    assert.match(future.stdout, /^TotalCount: 0 \(none shown/);
    const bad = await runToExit(["audit", "--start", "yesterday"], env);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /audit --start: expected a time/);
  });

  it("--jsonl pages through every record, each once, newest first", async () => {
    // More than one export page (1000 records) of calls, while the export's own calls are being recorded.
    const calls = Array.from({ length: 1100 }, (_, i) => i);
    for (let i = 0; i < calls.length; i += 25) {
      await Promise.all(calls.slice(i, i + 25).map(() => demo.describeSecGroup({ Limit: 1 })));
    }
    // Reads are recorded in batches: wait until all 1100 are in.
    const deadline = Date.now() + 30_000;
    while ((await demo.describeAuditRecords({ Actions: ["DescribeSecGroup"], Limit: 1 })).TotalCount < 1100) {
      assert.ok(Date.now() < deadline, "the reads were never all recorded");
      await new Promise((r) => setTimeout(r, 100));
    }
    const { stdout } = await ok(["audit", "--jsonl", "--action", "DescribeSecGroup"]);
    const records = stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as feedModels.AuditRecord);
    assert.equal(records.length, 1100);
    assert.equal(new Set(records.map((r) => r.Id)).size, records.length);
    assert.ok(records.every((r) => r.Action === "DescribeSecGroup"));
    const ids = records.map((r) => r.Id);
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
    );

    // Every call (the export's own included) while they keep being recorded: still each record once.
    const all = await ok(["audit", "--jsonl"]);
    const allIds = all.stdout
      .trim()
      .split("\n")
      .map((l) => (JSON.parse(l) as feedModels.AuditRecord).Id);
    assert.ok(allIds.length > 1100);
    assert.equal(new Set(allIds).size, allIds.length);

    const limited = await ok(["audit", "--jsonl", "--action", "DescribeSecGroup", "--limit", "3", "--offset", "1"]);
    assert.deepEqual(
      limited.stdout
        .trim()
        .split("\n")
        .map((l) => (JSON.parse(l) as feedModels.AuditRecord).Id),
      ids.slice(1, 4),
    );
    const json = JSON.parse((await ok(["audit", "--json", "--action", "DescribeSecGroup", "--limit", "2"])).stdout);
    assert.deepEqual(Object.keys(json).sort(), ["Records", "TotalCount"]);
    assert.equal(json.Records.length, 2);
  });
});

/** A child's output as it arrives, with a wait for a condition on stdout. */
function collect(child: ChildProcess) {
  let stdout = "";
  let stderr = "";
  const waiters = new Set<() => void>();
  child.stdout?.on("data", (d: Buffer) => {
    stdout += d.toString();
    for (const w of [...waiters]) w();
  });
  child.stderr?.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  return {
    stdout: () => stdout,
    stderr: () => stderr,
    waitFor(test: (text: string) => boolean, ms = 30_000): Promise<string> {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!test(stdout)) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve(stdout);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`not seen within ${ms} ms; stdout:\n${stdout}\nstderr:\n${stderr}`));
        }, ms);
        waiters.add(check);
        check();
      });
    },
  };
}
