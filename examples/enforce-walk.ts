// A walk through enforcement on this machine: real packets, filtered by `sgplane agent` as the API says. As root, on
// Linux with nftables and iproute2, from the checkout:
//   sudo node --import tsx examples/enforce-walk.ts [--base-url http://127.0.0.1:8080] [--port 8080]
// It builds a host from network namespaces (a host namespace and two endpoints, a and b, joined to it by veth pairs,
// addresses from 198.18.0.0/15), starts `sgplane serve` (or uses the one at --base-url, seeded with
// examples/seed.json) and `sgplane agent --netns <host namespace>`, shows that a cannot reach b's port, opens it with
// CreateSecGroup / CreateSecGroupRule / AssociateSecGroup, connects, closes it with DisassociateSecGroup and shows it
// closed again. Nothing outside its namespaces is changed (the agent's nft runs inside the host namespace), and it
// removes everything it made on the way out, on an error or Ctrl-C too.
//
// Self-contained on purpose (node: built-ins and @sgplane/sdk): the tests' lab (packages/agent/test/lab) builds the
// same routed host, but it is test support, with probers and sweeps made for thousands of probes; here the `ip`
// commands are the point, for a reader to see what a hypervisor host looks like to the agent.
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { SgplaneClient } from "@sgplane/sdk";

const { values } = parseArgs({
  options: {
    "base-url": { type: "string" },
    "operator-key": { type: "string", default: "demo-operator-public-key:demo-operator-private-key" },
    port: { type: "string", default: "8080" },
    "timeout-ms": { type: "string", default: "1500" },
  },
});
const PORT = Number(values.port);
const TIMEOUT_MS = Number(values["timeout-ms"]);
const [operatorPublic = "", operatorPrivate = ""] = values["operator-key"].split(":");
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SGPLANE = [process.execPath, "--import", "tsx", join(ROOT, "packages/server/src/main.ts")];
// The demo company of examples/seed.json.
const DEMO = { publicKey: "demo-public-key", privateKey: "demo-private-key", region: "cn-bj2" };
const PLACE = { CompanyId: 50001, Region: "cn-bj2", ProjectId: "org-demo01", VPCId: "uvnet-demo01" };

// Names carry our pid: a later walk can tell what a killed one left behind (its pid is gone).
const TAG = `sgwalk-${process.pid}`;
const HOST = `${TAG}-host`;
const GATEWAY = "198.18.0.1";
const ENDS = {
  a: { netns: `${TAG}-a`, veth: `sgw${process.pid}a`, ip: "198.18.10.1", resource: "uhost-walk-a" },
  b: { netns: `${TAG}-b`, veth: `sgw${process.pid}b`, ip: "198.18.10.2", resource: "uhost-walk-b" },
};

const ok = (line: string) => console.log(`✔ ${line}`);
const PATH = `${process.env.PATH ?? ""}:/usr/local/sbin:/usr/sbin:/sbin`; // root's PATH may lack ip and nft

class Interrupted extends Error {}
const interrupt = new AbortController();

/** Rejects as soon as Ctrl-C is pressed; only for waits, never for a command that makes something. */
function unlessInterrupted<T>(promise: Promise<T>): Promise<T> {
  const { signal } = interrupt;
  if (signal.aborted) {
    // The step was started anyway (its argument): a later failure of it, as cleanup pulls the namespaces away, must
    // not become an unhandled rejection that ends the walk before its cleanup.
    promise.catch(() => {});
    return Promise.reject(new Interrupted());
  }
  return new Promise((resolve, reject) => {
    const stop = () => reject(new Interrupted());
    signal.addEventListener("abort", stop, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", stop));
  });
}

function sh(argv: readonly string[], timeoutMs = 10_000): Promise<string> {
  const [command = "", ...args] = argv;
  return new Promise((resolve, reject) => {
    execFile(command, args, { env: { ...process.env, PATH }, timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${argv.join(" ")}: ${stderr.trim() || error.message}`));
      else resolve(stdout);
    });
  });
}

/** What to undo, newest first. Each step is registered BEFORE the thing it undoes is made. */
const undo: { what: string; run: () => Promise<unknown> }[] = [];

async function cleanUp(): Promise<void> {
  const failed: string[] = [];
  for (const step of undo.reverse()) {
    await step.run().catch((error: unknown) => failed.push(`${step.what}: ${(error as Error).message}`));
  }
  if (failed.length === 0) ok("cleaned up: processes stopped, namespaces deleted");
  else console.log(`✘ cleaning up left something behind:\n  ${failed.join("\n  ")}`);
}

/** Starts a process in its own process group (Ctrl-C reaches only us, and we stop it in order). */
function start(what: string, argv: readonly string[], ready: RegExp): Promise<{ match: string; output: () => string }> {
  const [command = "", ...args] = argv;
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, PATH }, detached: true });
  undo.push({ what: `stop ${what}`, run: () => stop(child) });
  let output = "";
  return unlessInterrupted(
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${what} did not start:\n${output}`)), 30_000);
      const read = (chunk: Buffer) => {
        output += chunk.toString();
        const match = ready.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve({ match: match[1] ?? match[0], output: () => output });
        }
      };
      child.stdout.on("data", read);
      child.stderr.on("data", read);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`${what} exited (${code}):\n${output.trim()}`));
      });
    }),
  );
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
  await exited;
  clearTimeout(timer);
}

/** Removes a namespace and whatever still runs in it (deleting the name alone would leave those running). */
async function deleteNetns(name: string): Promise<void> {
  const pids = (await sh(["ip", "netns", "pids", name]).catch(() => "")).split(/\s+/).filter(Boolean);
  for (const pid of pids) {
    try {
      process.kill(Number(pid), "SIGKILL");
    } catch {
      // gone meanwhile
    }
  }
  await sh(["ip", "netns", "del", name]);
}

async function ourNamespaces(pattern: RegExp): Promise<string[]> {
  const listed = (await sh(["ip", "netns", "list"])).split("\n").map((line) => line.split(" ")[0] ?? "");
  return listed.filter((name) => pattern.test(name));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function buildHost(): Promise<void> {
  // Left by a walk that was killed (SIGKILL cannot be caught): its pid is gone.
  const stale = (await ourNamespaces(/^sgwalk-\d+-/)).filter((n) => !alive(Number(n.split("-")[1])));
  for (const name of stale) await deleteNetns(name);
  if (stale.length > 0) ok(`removed ${stale.length} namespaces left by a walk that was killed`);

  for (const netns of [HOST, ENDS.a.netns, ENDS.b.netns]) {
    undo.push({ what: `delete ${netns}`, run: () => deleteNetns(netns) });
    await sh(["ip", "netns", "add", netns]);
    await sh(["ip", "-n", netns, "link", "set", "lo", "up"]);
  }
  await sh(["ip", "netns", "exec", HOST, "sh", "-c", "echo 1 > /proc/sys/net/ipv4/ip_forward"]);
  for (const end of Object.values(ENDS)) {
    // Born with one end in each namespace: nothing is ever attached to the machine's own.
    await sh(["ip", "-n", HOST, "link", "add", end.veth, "type", "veth", "peer", "name", "eth0", "netns", end.netns]);
    // Routed, like a hypervisor's taps: the endpoint's /32 routes to its veth, the gateway is on every veth.
    await sh(["ip", "-n", end.netns, "link", "set", "eth0", "up"]);
    await sh(["ip", "-n", end.netns, "address", "add", `${end.ip}/32`, "dev", "eth0"]);
    await sh(["ip", "-n", end.netns, "route", "add", `${GATEWAY}/32`, "dev", "eth0", "scope", "link"]);
    await sh(["ip", "-n", end.netns, "route", "add", "default", "via", GATEWAY, "dev", "eth0"]);
    await sh(["ip", "-n", HOST, "link", "set", end.veth, "up"]);
    await sh(["ip", "-n", HOST, "address", "add", `${GATEWAY}/32`, "dev", end.veth]);
    await sh(["ip", "-n", HOST, "route", "add", `${end.ip}/32`, "dev", end.veth]);
  }
  ok(
    `host ${HOST}; a = ${ENDS.a.ip} in ${ENDS.a.netns}, b = ${ENDS.b.ip} in ${ENDS.b.netns} (veth ${ENDS.a.veth}, ${ENDS.b.veth})`,
  );
}

// Run inside a and b by `ip netns exec … node -e`. The listener leaves when its stdin closes: even a killed walk
// does not leave it behind.
const LISTENER = `require("net").createServer((s) => { s.on("error", () => {}); s.end("hello from b\\n"); })
  .listen(Number(process.argv[1]), "0.0.0.0", () => console.log("listening"));
process.stdin.on("end", () => process.exit(0)).resume();`;
const CONNECT = `const [host, port, ms] = process.argv.slice(1);
const s = require("net").connect({ host, port: Number(port) });
const done = (r) => { console.log(JSON.stringify(r)); process.exit(0); };
const t = setTimeout(() => done({ connected: false, why: "no answer within " + ms + " ms" }), Number(ms));
s.once("data", (d) => { clearTimeout(t); done({ connected: true, said: d.toString().trim() }); });
s.on("error", (e) => { clearTimeout(t); done({ connected: false, why: e.code }); });`;

async function connect(): Promise<{ connected: boolean; said?: string; why?: string }> {
  const argv = ["ip", "netns", "exec", ENDS.a.netns, process.execPath, "-e", CONNECT, ENDS.b.ip, String(PORT)];
  return JSON.parse(await unlessInterrupted(sh([...argv, String(TIMEOUT_MS)], TIMEOUT_MS + 10_000)));
}

/** Connects from a to b's port and fails the walk when the answer is not the expected one. */
async function expectPort(open: boolean, why: string): Promise<void> {
  const r = await connect();
  const title = `a → b:${PORT} ${open ? "open" : "closed"}`;
  if (r.connected !== open) throw new Error(`${title} expected (${why}), but: ${JSON.stringify(r)}`);
  ok(`${title}: ${r.connected ? `connected, b says "${r.said}"` : r.why} (${why})`);
}

async function walk(): Promise<void> {
  if (!(Number.isInteger(PORT) && PORT >= 1 && PORT <= 65535))
    throw new Error(`--port: '${values.port}' is not a port`);
  if (!(TIMEOUT_MS > 0)) throw new Error(`--timeout-ms: '${values["timeout-ms"]}' is not a number of milliseconds`);
  if (operatorPrivate === "") throw new Error("--operator-key: PUBLIC:PRIVATE");
  if (process.platform !== "linux" || process.getuid?.() !== 0) throw new Error("run it as root on Linux");
  await sh(["ip", "-V"]).catch(() => Promise.reject(new Error("needs iproute2 (ip)")));
  await sh(["nft", "--version"]).catch(() => Promise.reject(new Error("needs nftables (nft)")));
  await buildHost();

  let baseUrl = values["base-url"];
  if (baseUrl === undefined) {
    const args = ["serve", "--port", "0", "--db", "sqlite::memory:", "--seed", "examples/seed.json"];
    baseUrl = (await start("sgplane serve", [...SGPLANE, ...args], /sgplane listening on (http:\/\/\S+)/)).match;
    ok(`sgplane serve started at ${baseUrl} (in memory, examples/seed.json)`);
  }
  const external = values["base-url"] !== undefined; // someone else's server: take back what we add to it
  const demo = new SgplaneClient({ baseUrl, ...DEMO });
  const operator = new SgplaneClient({ baseUrl, publicKey: operatorPublic, privateKey: operatorPrivate });

  for (const [name, end] of Object.entries(ENDS)) {
    const remove = () => operator.adminDeregisterResource({ ResourceId: end.resource, Force: true });
    if (external) undo.push({ what: `deregister ${end.resource}`, run: remove });
    await remove().catch(() => {}); // a killed walk's, with its bindings
    const fields = { ...PLACE, ResourceType: "uhost", Name: `walk-${name}`, SecurityMode: "SecGroup" as const };
    await operator.adminRegisterResource({ ...fields, ResourceId: end.resource, PrivateIp: end.ip });
  }
  ok(`registered ${ENDS.a.resource} (a) and ${ENDS.b.resource} (b) in ${PLACE.VPCId}; b has no group`);

  const dir = await mkdtemp(join(tmpdir(), `${TAG}-`));
  undo.push({ what: `remove ${dir}`, run: () => rm(dir, { recursive: true, force: true }) });
  const hostFile = join(dir, "host.json");
  await writeFile(
    hostFile,
    JSON.stringify({ resources: { [ENDS.a.resource]: ENDS.a.veth, [ENDS.b.resource]: ENDS.b.veth } }),
  );
  const agentArgs = [
    "agent",
    "--host-file",
    hostFile,
    "--base-url",
    baseUrl,
    "--netns",
    HOST,
    "--listen",
    "127.0.0.1:0",
  ];
  const keys = ["--public-key", DEMO.publicKey, "--private-key", DEMO.privateKey, "--log-level", "warn"];
  const agent = await start("sgplane agent", [...SGPLANE, ...agentArgs, ...keys], /status at (http:\/\/\S+)/);
  /** Until the agent's nftables are in step with every change so far; returns how long that took. */
  const applied = async (): Promise<number> => {
    const started = Date.now();
    // Interruptible like every wait of the walk: a step whose call was under way at Ctrl-C reports nothing after it.
    const { Head } = await unlessInterrupted(demo.describeFeedEvents({}));
    for (;;) {
      const status = (await unlessInterrupted(fetch(`${agent.match}/healthz`).then((r) => r.json()))) as {
        ok: boolean;
        position: number;
      };
      if (status.ok && status.position >= Head) return Date.now() - started;
      if (Date.now() - started > 15_000) throw new Error(`the agent is not in step: ${JSON.stringify(status)}`);
      await unlessInterrupted(new Promise((resolve) => setTimeout(resolve, 20)));
    }
  };
  await applied();
  ok(`sgplane agent --netns ${HOST}: in step (status ${agent.match}/healthz)`);

  const listenerArgv = ["ip", "netns", "exec", ENDS.b.netns, process.execPath, "-e", LISTENER, String(PORT), TAG];
  await start(`the listener in ${ENDS.b.netns}`, listenerArgv, /listening/);
  ok(`b listens on ${PORT}`);
  await expectPort(false, "b has no group: inbound is dropped");

  const { SecGroupId } = await demo.createSecGroup({ VPCID: PLACE.VPCId, Name: `walk-${PORT}` });
  if (external) {
    undo.push({
      what: `delete ${SecGroupId}`,
      run: async () => {
        await demo.disassociateSecGroup({ SecGroupId: [SecGroupId], Force: true });
        await demo.deleteSecGroup({ SecGroupId: [SecGroupId] });
      },
    });
  }
  ok(`CreateSecGroup walk-${PORT} → ${SecGroupId}`);
  const rule = {
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: String(PORT),
    IPRange: `${ENDS.a.ip}/32`,
  } as const;
  const { RuleId } = await demo.createSecGroupRule({
    SecGroupId,
    Rule: [{ ...rule, Priority: 1, RuleAction: "Accept" }],
  });
  ok(`CreateSecGroupRule Ingress TCP ${PORT} from ${ENDS.a.ip}/32 Accept → ${RuleId[0]}`);
  await demo.associateSecGroup({ ResourceId: [ENDS.b.resource], PrioritySecGroup: [{ SecGroupId, Priority: 1 }] });
  ok(`AssociateSecGroup: ${SecGroupId} bound to b at priority 1 (the agent applied it in ${await applied()} ms)`);
  await expectPort(true, "the rule accepts it");

  await demo.disassociateSecGroup({ SecGroupId: [SecGroupId], ResourceId: [ENDS.b.resource], Force: true });
  ok(`DisassociateSecGroup: ${SecGroupId} unbound from b, Force: its last group (applied in ${await applied()} ms)`);
  await expectPort(false, "no group again");
}

let signals = 0;
const onSignal = () => {
  if (signals++ === 0) console.log("interrupted: cleaning up");
  else console.log("still cleaning up…");
  interrupt.abort();
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, onSignal);

console.log(
  `enforce-walk: port ${PORT} from a to b, on a host made of network namespaces (nothing outside them changes)`,
);
try {
  await walk();
} catch (error) {
  if (!(error instanceof Interrupted)) {
    console.log(`✘ ${(error as Error).message}`);
    process.exitCode = 1;
  }
} finally {
  await cleanUp();
  if (interrupt.signal.aborted) process.exitCode = 130;
}
