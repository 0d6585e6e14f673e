// examples/enforce-walk.ts, run end to end as a user would (so that it cannot rot): with its own server, against a
// running one (which it leaves as it found it), and interrupted by Ctrl-C. Each time it must say what it should, in
// order, and leave no namespace, process or listening port behind.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { after, before, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { SgplaneClient } from "@sgplane/sdk";
import { EXAMPLE_SEED, type ServerProcess, startServer } from "../../server/test/harness.ts";
import { run } from "./lab/exec.ts";
import { labSkipReason } from "./lab/index.ts";
import { listNetns } from "./lab/netns.ts";

const skip = await labSkipReason();
const WALK = fileURLToPath(new URL("../../../examples/enforce-walk.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const DEMO = { publicKey: "demo-public-key", privateKey: "demo-private-key", region: "cn-bj2" };

interface WalkRun {
  readonly pid: number;
  readonly code: number | null;
  readonly output: string;
}

/** Runs the walk to its end; with `interruptAfter`, sends it SIGINT (Ctrl-C) once a line matches. */
function runWalk(args: readonly string[], interruptAfter?: RegExp): Promise<WalkRun> {
  const child = spawn(process.execPath, ["--import", "tsx", WALK, ...args], { cwd: ROOT, stdio: "pipe" });
  let output = "";
  let interrupted = false;
  const read = (chunk: Buffer) => {
    output += chunk.toString();
    if (interruptAfter?.test(output) && !interrupted) {
      interrupted = true;
      child.kill("SIGINT");
    }
  };
  child.stdout.on("data", read);
  child.stderr.on("data", read);
  return new Promise((resolve) => child.on("close", (code) => resolve({ pid: child.pid ?? 0, code, output })));
}

/** The lines starting with ✔ or ✘, or saying it was interrupted, each checked against its pattern in order. */
function assertLines(output: string, expected: readonly RegExp[]): void {
  const lines = output.split("\n").filter((l) => /^(✔|✘|interrupted)/.test(l));
  assert.equal(lines.length, expected.length, output);
  lines.forEach((line, i) => {
    assert.match(line, expected[i] ?? /^$/, output);
  });
}

/** What a walk with this pid could have left: its namespaces, and processes whose command line names them. */
async function leftBehind(pid: number): Promise<string[]> {
  const tag = `sgwalk-${pid}-`;
  const namespaces = (await listNetns()).filter((n) => n.startsWith(tag));
  const processes = readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((entry) => {
      try {
        const cmdline = readFileSync(`/proc/${entry}/cmdline`, "utf8").replaceAll("\0", " ");
        return cmdline.includes(tag) ? [`pid ${entry}: ${cmdline}`] : [];
      } catch {
        return []; // exited meanwhile
      }
    });
  return [...namespaces, ...processes];
}

async function refused(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return false;
  } catch {
    return true;
  }
}

const urlIn = (output: string, pattern: RegExp): string => {
  const url = pattern.exec(output)?.[1];
  assert.ok(url, `no URL matching ${pattern} in:\n${output}`);
  return url;
};

describe("examples/enforce-walk.ts end to end", { skip, timeout: 240_000 }, () => {
  it("with its own server: closed, opened by the API, connected, closed again; nothing left behind", async () => {
    const walk = await runWalk([]);
    assert.equal(walk.code, 0, walk.output);
    assertLines(walk.output, [
      /^✔ host sgwalk-\d+-host; a = 198\.18\.10\.1 in sgwalk-\d+-a, b = 198\.18\.10\.2 in sgwalk-\d+-b/,
      /^✔ sgplane serve started at http:\/\/127\.0\.0\.1:\d+ /,
      /^✔ registered uhost-walk-a \(a\) and uhost-walk-b \(b\) in uvnet-demo01; b has no group$/,
      /^✔ sgplane agent --netns sgwalk-\d+-host: in step/,
      /^✔ b listens on 8080$/,
      /^✔ a → b:8080 closed: no answer within 1500 ms \(b has no group: inbound is dropped\)$/,
      /^✔ CreateSecGroup walk-8080 → secgroup-/,
      /^✔ CreateSecGroupRule Ingress TCP 8080 from 198\.18\.10\.1\/32 Accept → /,
      /^✔ AssociateSecGroup: secgroup-\S+ bound to b at priority 1 \(the agent applied it in \d+ ms\)$/,
      /^✔ a → b:8080 open: connected, b says "hello from b" \(the rule accepts it\)$/,
      /^✔ DisassociateSecGroup: secgroup-\S+ unbound from b, Force: its last group \(applied in \d+ ms\)$/,
      /^✔ a → b:8080 closed: no answer within 1500 ms \(no group again\)$/,
      /^✔ cleaned up: processes stopped, namespaces deleted$/,
    ]);
    assert.ok(walk.output.includes(`sgwalk-${walk.pid}-host`), "the names carry the walk's pid");
    assert.deepEqual(await leftBehind(walk.pid), []);
    assert.ok(await refused(urlIn(walk.output, /sgplane serve started at (\S+)/)), "the server stopped");
    assert.ok(await refused(urlIn(walk.output, /status (\S+)\)/)), "the agent stopped");
  });

  describe("against a running server", () => {
    let server: ServerProcess;
    let demo: SgplaneClient;
    before(async () => {
      server = await startServer({ seed: EXAMPLE_SEED });
      demo = new SgplaneClient({ baseUrl: server.url, ...DEMO });
    });
    after(() => server?.stop());

    it("sweeps what a killed walk left, takes back what it adds, and leaves the server's world as it was", async () => {
      // What a walk killed by SIGKILL leaves: a namespace named after its (now gone) pid, and b registered and
      // bound to a group that opens the port, which would make the first "closed" wrong if the walk kept it.
      const gone = spawn(process.execPath, ["-e", ""]);
      await new Promise((resolve) => gone.on("close", resolve));
      const stale = `sgwalk-${gone.pid}-host`;
      await run(["ip", "netns", "add", stale]);
      const operator = new SgplaneClient({
        baseUrl: server.url,
        publicKey: "demo-operator-public-key",
        privateKey: "demo-operator-private-key",
      });
      await operator.adminRegisterResource({
        CompanyId: 50001,
        ResourceId: "uhost-walk-b",
        ResourceType: "uhost",
        Region: "cn-bj2",
        ProjectId: "org-demo01",
        VPCId: "uvnet-demo01",
        Name: "walk-b",
        SecurityMode: "SecGroup",
        PrivateIp: "198.18.10.2",
      });
      const { SecGroupId: open } = await demo.createSecGroup({ VPCID: "uvnet-demo01", Name: "left-open" });
      await demo.createSecGroupRule({
        SecGroupId: open,
        Rule: [
          {
            Direction: "Ingress",
            ProtocolType: "TCP",
            DstPort: "9000",
            IPRange: "198.18.10.1/32",
            Priority: 1,
            RuleAction: "Accept",
          },
        ],
      });
      await demo.associateSecGroup({
        ResourceId: ["uhost-walk-b"],
        PrioritySecGroup: [{ SecGroupId: open, Priority: 1 }],
      });
      const walkResources = async () =>
        (await demo.describeResourceSecGroup({ ResourceId: ["uhost-walk-a", "uhost-walk-b"] })).DataSet.map(
          (r) => r.ResourceId,
        );
      assert.deepEqual(await walkResources(), ["uhost-walk-b"]);
      const groupsBefore = (await demo.describeSecGroup({ VPCId: "uvnet-demo01" })).DataSet.map((g) => g.SecGroupId);

      const walk = await runWalk(["--base-url", server.url, "--port", "9000", "--timeout-ms", "800"]);
      assert.equal(walk.code, 0, walk.output);
      assertLines(walk.output, [
        /^✔ removed 1 namespaces left by a walk that was killed$/,
        /^✔ host sgwalk-\d+-host;/,
        /^✔ registered uhost-walk-a \(a\) and uhost-walk-b \(b\) in uvnet-demo01; b has no group$/,
        /^✔ sgplane agent --netns sgwalk-\d+-host: in step/,
        /^✔ b listens on 9000$/,
        /^✔ a → b:9000 closed: no answer within 800 ms \(b has no group: inbound is dropped\)$/,
        /^✔ CreateSecGroup walk-9000 → secgroup-/,
        /^✔ CreateSecGroupRule Ingress TCP 9000 from 198\.18\.10\.1\/32 Accept → /,
        /^✔ AssociateSecGroup: /,
        /^✔ a → b:9000 open: connected, b says "hello from b"/,
        /^✔ DisassociateSecGroup: /,
        /^✔ a → b:9000 closed: no answer within 800 ms \(no group again\)$/,
        /^✔ cleaned up: /,
      ]);
      assert.ok(!(await listNetns()).includes(stale), `${stale} was swept`);
      assert.deepEqual(await leftBehind(walk.pid), []);
      assert.ok(await refused(urlIn(walk.output, /status (\S+)\)/)), "the agent stopped");
      // Its resources and group are gone; the server's own groups (the stale one included) are all still there.
      assert.deepEqual(await walkResources(), [], "both deregistered (unknown ids are skipped)");
      const groupsAfter = (await demo.describeSecGroup({ VPCId: "uvnet-demo01" })).DataSet.map((g) => g.SecGroupId);
      assert.deepEqual(groupsAfter.sort(), groupsBefore.sort());
    });
  });

  it("Ctrl-C in the middle: stops, cleans up everything and exits 130", async () => {
    const walk = await runWalk([], /✔ a → b:8080 open/);
    assert.equal(walk.code, 130, walk.output);
    assert.match(walk.output, /✔ a → b:8080 open.*\n(?:✔ .*\n)?interrupted: cleaning up\n✔ cleaned up: /);
    assert.doesNotMatch(walk.output, /✘/);
    assert.deepEqual(await leftBehind(walk.pid), []);
    assert.ok(await refused(urlIn(walk.output, /sgplane serve started at (\S+)/)), "the server stopped");
    assert.ok(await refused(urlIn(walk.output, /status (\S+)\)/)), "the agent stopped");
  });
});
