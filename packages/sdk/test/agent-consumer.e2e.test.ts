// examples/agent-consumer.ts as a process against the real server: snapshot, a change while it follows, a change
// while it is stopped (seen after the restart, from the saved cursor), and an expired cursor re-taking the snapshot.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { formatCursor, parseCursor } from "@sgplane/catalogue";
import { SgplaneClient } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, type ServerProcess, startServer } from "../../server/test/harness.ts";

const AGENT = fileURLToPath(new URL("../../../examples/agent-consumer.ts", import.meta.url));

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sgplane-agent-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Agent {
  readonly child: ChildProcess;
  output(): string;
  waitFor(pattern: RegExp): Promise<void>;
  /** SIGINT, then the exit code. */
  stop(): Promise<number | null>;
}

function startAgent(url: string, state: string): Agent {
  const child = spawn(process.execPath, ["--import", "tsx", AGENT, url, "--state", state], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  const listeners = new Set<() => void>();
  const onData = (d: Buffer) => {
    out += d.toString();
    for (const l of [...listeners]) l();
  };
  child.stdout?.on("data", onData);
  child.stderr?.on("data", onData);
  const closed = new Promise<number | null>((resolve) => child.once("close", resolve));
  return {
    child,
    output: () => out,
    waitFor: (pattern) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (!pattern.test(out)) return;
          clearTimeout(timer);
          listeners.delete(check);
          resolve();
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`agent never printed ${pattern}:\n${out}`));
        }, 30_000);
        listeners.add(check);
        closed.then(() => setTimeout(check, 0));
        check();
      }),
    async stop() {
      child.kill("SIGINT");
      return closed;
    },
  };
}

describe("examples/agent-consumer.ts", { timeout: 120_000 }, () => {
  let server: ServerProcess;
  let client: SgplaneClient;
  before(async () => {
    server = await startServer({ seed: EXAMPLE_SEED });
    client = new SgplaneClient({ baseUrl: server.url, region: "cn-bj2", ...DEMO });
  });
  after(async () => {
    await server?.stop();
  });

  it("reports effective rule changes, and after a restart those made while it was stopped", async () => {
    const state = join(dir, "agent.json");
    const first = startAgent(server.url, state);
    try {
      await first.waitFor(/^snapshot: 4 resources, following from [0-9a-f]{16}-\d+$/m);
      await client.associateSecGroup({
        ResourceId: ["uhost-demo02"],
        PrioritySecGroup: [{ SecGroupId: "secgroup-demo02", Priority: 2 }],
      });
      await first.waitFor(
        /uhost-demo02: effective rules changed \(BindingAdded uhost-demo02\/secgroup-demo02 by AssociateSecGroup\), now 4\n {2}\+ monitoring: Ingress TCP 9100 10\.9\.0\.0\/16 Accept/,
      );
      // A rename changes no rule: nothing is reported for it.
      await client.updateSecGroup({ SecGroupId: ["secgroup-demo02"], Name: "metrics" });
      assert.equal(await first.stop(), 0);
      assert.match(first.output(), /stopped at [0-9a-f]{16}-\d+\n$/);
      assert.doesNotMatch(first.output(), /SecGroupUpdated/);
    } finally {
      first.child.kill("SIGKILL");
    }

    await client.disassociateSecGroup({ ResourceId: ["uhost-demo02"], SecGroupId: ["secgroup-demo02"] });
    const second = startAgent(server.url, state);
    try {
      await second.waitFor(/^resuming from [0-9a-f]{16}-\d+/m);
      await second.waitFor(
        /uhost-demo02: effective rules changed \(BindingRemoved uhost-demo02\/secgroup-demo02 by DisassociateSecGroup\), now 3\n {2}- metrics: Ingress TCP 9100/,
      );
      assert.equal(await second.stop(), 0);
      assert.doesNotMatch(second.output(), /snapshot:|BindingAdded/);
    } finally {
      second.child.kill("SIGKILL");
    }
  });

  it("an expired saved cursor: takes a new snapshot and reports what changed while away", async () => {
    const short = await startServer({ seed: EXAMPLE_SEED, args: ["--feed-retention", "300ms"] });
    try {
      const shortClient = new SgplaneClient({ baseUrl: short.url, region: "cn-bj2", ...DEMO });
      const feedId = parseCursor((await shortClient.describeFeedSnapshot()).Cursor)?.feedId ?? "";
      const old = formatCursor(feedId, 0);
      const deadline = Date.now() + 20_000;
      while (
        await shortClient.describeFeedEvents({ After: old }).then(
          () => true,
          () => false,
        )
      ) {
        assert.ok(Date.now() < deadline, "the seed's events were never pruned");
        await new Promise((r) => setTimeout(r, 100));
      }
      const state = join(dir, "expired.json");
      await writeFile(state, JSON.stringify({ cursor: old, groups: {}, rules: {}, bindings: {} }));
      const agent = startAgent(short.url, state);
      try {
        await agent.waitFor(new RegExp(`cursor ${old} expired: taking a new snapshot`));
        await agent.waitFor(/uhost-demo01: effective rules changed \(while away\), now 4\n {2}\+ web: /);
        assert.equal(await agent.stop(), 0);
      } finally {
        agent.child.kill("SIGKILL");
      }
    } finally {
      await short.stop();
    }
  });
});
