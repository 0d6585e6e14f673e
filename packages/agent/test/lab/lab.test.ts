// The lab itself: real packets between namespaces pass without filtering, an nft table in the host namespace drops
// exactly what it says, and no namespace outlives its lab (destroy, SIGTERM, SIGKILL + sweep).
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdirSync } from "node:fs";
import { createInterface } from "node:readline";
import { after, describe, it } from "node:test";
import { fileURLToPath } from "node:url";
import { run } from "./exec.ts";
import {
  createLab,
  GATEWAY_V4,
  GATEWAY_V6,
  type Lab,
  labAvailability,
  labSkipReason,
  type Probe,
  sweepStaleLabs,
} from "./index.ts";
import { listNetns } from "./netns.ts";

const skip = await labSkipReason();
const PORTS = [22, 53, 80, 5432];
const FAMILIES = [4, 6] as const;
const NAMES = ["web", "db", "peer"];

/** Every ordered pair of distinct endpoints. */
function pairs(names: readonly string[]): [string, string][] {
  return names.flatMap((from) => names.filter((to) => to !== from).map((to): [string, string] => [from, to]));
}

function describeProbe(p: Probe): string {
  const port = p.kind === "ping" ? "" : `:${p.port}`;
  return `${p.kind}/v${p.family ?? 4} ${p.from}→${p.to}${port}`;
}

/** Deterministic pseudo-random numbers (mulberry32), so that a failing mix can be replayed. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

it("the lab can run here (under CI=true a missing requirement fails instead of skipping)", {
  skip: skip ?? false,
}, async () => {
  const availability = await labAvailability();
  assert.ok(availability.available, availability.available ? "" : availability.reason);
});

describe("network-namespace lab", { skip: skip ?? false, timeout: 180_000 }, () => {
  let lab: Lab | undefined;
  after(() => lab?.destroy());

  it("builds the routed model: eth0 in each endpoint, gateway on every host veth, a /32 and /128 per endpoint", async () => {
    lab = await createLab({ endpoints: NAMES.map((name) => ({ name })), ports: PORTS });
    const web = lab.endpoint("web");
    assert.deepEqual(
      lab.endpoints.map((e) => [e.ipv4, e.ipv6]),
      [
        ["198.18.1.1", "fd00:5367::1:1"],
        ["198.18.1.2", "fd00:5367::1:2"],
        ["198.18.1.3", "fd00:5367::1:3"],
      ],
    );
    assert.match(web.hostInterface, /^sgl[0-9a-f]{4}e0$/);
    assert.ok(lab.endpoints.every((e) => e.hostInterface.length <= 15));
    assert.equal(new Set(lab.endpoints.map((e) => e.hostInterface)).size, NAMES.length);

    const addresses = JSON.parse(
      (await lab.endpointExec("web", ["ip", "-j", "address", "show", "dev", "eth0"])).stdout,
    );
    const local = (addresses[0]?.addr_info ?? []).map(
      (a: { local: string; prefixlen: number }) => `${a.local}/${a.prefixlen}`,
    );
    assert.ok(local.includes("198.18.1.1/32") && local.includes("fd00:5367::1:1/128"), local.join(" "));
    const hostAddresses = (await lab.hostExec(["ip", "-o", "address", "show", "dev", web.hostInterface])).stdout;
    assert.match(hostAddresses, /inet 198\.18\.0\.1\/32/);
    assert.match(hostAddresses, /inet6 fd00:5367::1\/128/);
    const routes = (await lab.hostExec(["ip", "route", "show", "dev", web.hostInterface])).stdout;
    assert.match(routes, /^198\.18\.1\.1 /m);
    const routes6 = (await lab.hostExec(["ip", "-6", "route", "show", "dev", web.hostInterface])).stdout;
    assert.match(routes6, /^fd00:5367::1:1 /m);
    assert.match(
      (await lab.endpointExec("web", ["ip", "route", "show", "default"])).stdout,
      /via 198\.18\.0\.1 dev eth0/,
    );
    assert.match(
      (await lab.endpointExec("web", ["ip", "-6", "route", "show", "default"])).stdout,
      /via fd00:5367::1 dev eth0/,
    );

    // Nothing of the lab is attached to the machine's own namespace (read from sysfs, without running a command there).
    const rootInterfaces = readdirSync("/sys/class/net");
    assert.deepEqual(
      rootInterfaces.filter((name) => lab?.endpoints.some((e) => e.hostInterface === name)),
      [],
    );
  });

  it("without filtering TCP, UDP and ICMP pass between all endpoints, v4 and v6; ARP and NDP resolve both ways", async (t) => {
    assert.ok(lab);
    const probes: Probe[] = pairs(NAMES).flatMap(([from, to]) =>
      FAMILIES.flatMap((family): Probe[] => [
        { kind: "tcp", from, to, port: 80, family },
        { kind: "udp", from, to, port: 53, family },
        { kind: "ping", from, to, family },
      ]),
    );
    const outcomes = await lab.probeManyDetailed(probes);
    assert.deepEqual(
      outcomes.filter((o) => !o.pass).map((o) => `${describeProbe(o.probe)}: ${o.reason}`),
      [],
    );
    const tcp = outcomes.filter((o) => o.probe.kind === "tcp").map((o) => o.ms);
    t.diagnostic(`${probes.length} probes; TCP connect: max ${Math.max(...tcp)} ms`);

    // The host reaches each endpoint and each endpoint its gateway directly, not only through forwarding.
    for (const e of lab.endpoints) {
      await lab.hostExec(["ping", "-n", "-q", "-c", "1", "-W", "1", e.ipv4]);
      await lab.hostExec(["ping", "-n", "-q", "-6", "-c", "1", "-W", "1", e.ipv6]);
      await lab.endpointExec(e.name, ["ping", "-n", "-q", "-c", "1", "-W", "1", GATEWAY_V4]);
      await lab.endpointExec(e.name, ["ping", "-n", "-q", "-6", "-c", "1", "-W", "1", GATEWAY_V6]);
    }
    const resolved = (entries: { dst: string; lladdr?: string; state?: string[] }[], dst: string): boolean =>
      entries.some(
        (n) => n.dst === dst && n.lladdr !== undefined && !n.state?.some((s) => s === "FAILED" || s === "INCOMPLETE"),
      );
    for (const e of lab.endpoints) {
      const hostSide = JSON.parse((await lab.hostExec(["ip", "-j", "neigh", "show", "dev", e.hostInterface])).stdout);
      assert.ok(
        resolved(hostSide, e.ipv4) && resolved(hostSide, e.ipv6),
        `host → ${e.name}: ${JSON.stringify(hostSide)}`,
      );
      const endpointSide = JSON.parse(
        (await lab.endpointExec(e.name, ["ip", "-j", "neigh", "show", "dev", "eth0"])).stdout,
      );
      assert.ok(
        resolved(endpointSide, GATEWAY_V4) && resolved(endpointSide, GATEWAY_V6),
        `${e.name} → gateway: ${JSON.stringify(endpointSide)}`,
      );
    }
  });

  it("an nft table in the host namespace drops exactly its probes; probeMany over ~500 mixed probes agrees", async (t) => {
    assert.ok(lab);
    const db = lab.endpoint("db");
    await lab.hostExec(
      ["nft", "-f", "-"],
      `table inet labtest {
        chain forward {
          type filter hook forward priority filter; policy accept;
          tcp dport 5432 counter drop
          ip daddr ${db.ipv4} meta l4proto udp counter drop
          ip6 daddr ${db.ipv6} meta l4proto udp counter drop
        }
      }\n`,
    );
    const dropped = (p: Probe): boolean => (p.kind === "tcp" && p.port === 5432) || (p.kind === "udp" && p.to === "db");

    const exact: Probe[] = pairs(NAMES).flatMap(([from, to]) =>
      FAMILIES.flatMap((family): Probe[] => [
        { kind: "tcp", from, to, port: 5432, family },
        { kind: "tcp", from, to, port: 22, family },
        { kind: "udp", from, to, port: 53, family },
        { kind: "udp", from, to, port: 5432, family },
        { kind: "ping", from, to, family },
      ]),
    );
    const outcomes = await lab.probeManyDetailed(exact);
    const wrong = outcomes.filter((o) => o.pass === dropped(o.probe));
    assert.deepEqual(
      wrong.map((o) => `${describeProbe(o.probe)}: ${o.pass ? "passed" : `failed (${o.reason})`}`),
      [],
    );
    assert.ok(outcomes.some((o) => !o.pass) && outcomes.some((o) => o.pass));
    // A drop is silence, and the lab waited for it: once 300 ms, then the 1500 ms re-check.
    for (const o of outcomes.filter((x) => !x.pass)) {
      assert.equal(o.reason, "timeout");
      assert.equal(o.rechecked, true);
      assert.ok(o.ms >= 1400, `${describeProbe(o.probe)} answered "dropped" after only ${o.ms} ms`);
    }
    // The kernel dropped them in the rules, not somewhere else: every drop rule counted packets.
    const counters = (await lab.hostExec(["nft", "list", "chain", "inet", "labtest", "forward"])).stdout;
    const counts = [...counters.matchAll(/counter packets (\d+)/g)].map((m) => Number(m[1]));
    assert.equal(counts.length, 3);
    assert.ok(
      counts.every((n) => n > 0),
      counters,
    );

    const next = random(0x5367);
    const pick = <T>(items: readonly T[]): T => {
      const item = items[Math.floor(next() * items.length)];
      if (item === undefined) throw new Error("pick from nothing");
      return item;
    };
    const mix: Probe[] = Array.from({ length: 500 }, () => {
      const [from, to] = pick(pairs(NAMES));
      const family = pick(FAMILIES);
      const kind = pick(["tcp", "tcp", "udp", "udp", "ping"] as const);
      return kind === "ping" ? { kind, from, to, family } : { kind, from, to, port: pick(PORTS), family };
    });
    const before = { ...lab.stats };
    const started = performance.now();
    const verdicts = await lab.probeMany(mix);
    const seconds = (performance.now() - started) / 1000;
    const mismatches = mix.filter((p, i) => verdicts[i] !== !dropped(p)).map(describeProbe);
    assert.deepEqual(mismatches, []);
    const drops = mix.filter(dropped).length;
    t.diagnostic(
      `probeMany: ${mix.length} probes (${drops} dropped, ${mix.filter((p) => p.kind === "ping").length} pings) in ${seconds.toFixed(2)} s; ` +
        `re-checked ${lab.stats.rechecks - before.rechecks}, overturned ${lab.stats.overturned - before.overturned}, ` +
        `late UDP ${lab.stats.lateUdp - before.lateUdp}`,
    );

    // Removing the table lets everything through again.
    await lab.hostExec(["nft", "delete", "table", "inet", "labtest"]);
    assert.deepEqual(
      await lab.probeMany(exact.filter(dropped)),
      exact.filter(dropped).map(() => true),
    );
  });

  it("holds TCP connections that carry data both ways; a stateful table keeps them, a stateless drop cuts them", async () => {
    assert.ok(lab);
    const table = (...lines: string[]) =>
      "table inet holdtest\ndelete table inet holdtest\ntable inet holdtest {\n chain f {\n" +
      ` type filter hook forward priority filter; policy accept;\n${lines.map((line) => ` ${line}\n`).join("")} }\n}\n`;
    const STATEFUL = "ct state established,related accept";
    const DROP = ["tcp dport 5432 drop", "tcp sport 5432 drop"];
    const fresh = FAMILIES.map((family): Probe => ({ kind: "tcp", from: "web", to: "db", port: 5432, family }));
    try {
      // Connection tracking runs in a namespace only once one of its rules uses it: a connection opened before is
      // first seen mid-stream, as new. So the stateful table comes first.
      await lab.hostExec(["nft", "-f", "-"], table(STATEFUL));
      const accepts = lab.stats.tcpAccepts;
      const held = await Promise.all(FAMILIES.map((family) => lab?.hold("web", "db", 5432, { family })));
      const [v4, v6] = held;
      assert.ok(v4 && v6);
      // The listener's report comes through db's prober, after web's prober answered.
      await waitFor(async () => lab?.stats.tcpAccepts === accepts + 2, "the listener at db accepted both");
      const exchange = async (what: string, options?: { timeoutMs: number }) =>
        (await Promise.all(held.map((c) => c?.exchange(options)))).map(
          (o, i) => `${what} ${held[i]?.description}: ${o?.pass ? "pass" : o?.reason}`,
        );
      const all = (what: string, verdict: string) => held.map((c) => `${what} ${c?.description}: ${verdict}`);
      assert.deepEqual(await exchange("first"), all("first", "pass"));
      assert.deepEqual(await exchange("second"), all("second", "pass"));

      // Established packets accepted before the drop: new connections are dropped, the held ones go on.
      await lab.hostExec(["nft", "-f", "-"], table(STATEFUL, ...DROP));
      assert.deepEqual(await lab.probeMany(fresh), [false, false]);
      assert.deepEqual(await exchange("stateful drop"), all("stateful drop", "pass"));

      // A drop of every packet of the port, whatever its state: the held connections go silent.
      await lab.hostExec(["nft", "-f", "-"], table(...DROP));
      const started = performance.now();
      assert.deepEqual(await exchange("stateless drop", { timeoutMs: 500 }), all("stateless drop", "timeout"));
      assert.ok(performance.now() - started >= 450, "a timeout waits for its window");

      // Without the drop TCP retransmits what was dropped, and the connections carry data again (the late echo of
      // the token that timed out is told apart from the new one's).
      await lab.hostExec(["nft", "-f", "-"], table(STATEFUL));
      assert.deepEqual(await exchange("after the drop", { timeoutMs: 5000 }), all("after the drop", "pass"));

      // Closed from our side: no more exchanges (a misuse, so it rejects), and close is idempotent.
      await v4.close();
      await v4.close();
      await assert.rejects(v4.exchange(), /was closed/);
      assert.equal((await v6.exchange()).pass, true);
      await v6.close();
      // A port nobody may reach cannot be held: hold() rejects with the reason instead of returning a dead one.
      await lab.hostExec(["nft", "-f", "-"], table(...DROP));
      await assert.rejects(lab.hold("web", "db", 5432, { timeoutMs: 300 }), /could not hold .*: timeout/);
      await assert.rejects(lab.hold("web", "db", 9), /not one the probers listen on/);
    } finally {
      await lab.hostExec(["nft", "delete", "table", "inet", "holdtest"], undefined, { allowFailure: true });
    }
  });

  it("a held connection that is reset answers with the reason, not a timeout", async () => {
    assert.ok(lab);
    const c = await lab.hold("peer", "db", 80);
    assert.equal((await c.exchange()).pass, true);
    // The host answers peer's next segment with a TCP reset (nft `reject with tcp reset` replies to the sender).
    await lab.hostExec(
      ["nft", "-f", "-"],
      `table inet resettest {\n chain f {\n type filter hook forward priority filter; policy accept;\n ip saddr ${
        lab.endpoint("peer").ipv4
      } tcp dport 80 reject with tcp reset\n }\n}\n`,
    );
    try {
      const outcome = await c.exchange();
      assert.equal(outcome.pass, false);
      assert.equal(outcome.reason, "ECONNRESET");
      // Gone for good: the next exchange says so at once.
      assert.deepEqual([(await c.exchange()).pass, (await c.exchange()).reason], [false, "ECONNRESET"]);
    } finally {
      await lab.hostExec(["nft", "delete", "table", "inet", "resettest"]);
      await c.close();
    }
  });

  it("probes to a port nobody listens on are refused up front, not answered false", async () => {
    assert.ok(lab);
    await assert.rejects(lab.tcp("web", "db", 9), /not one the probers listen on/);
    await assert.rejects(lab.udp("web", "nobody", 53), /no endpoint "nobody"/);
  });

  it("two labs live side by side, with caller-chosen addresses, and filter independently", async () => {
    const custom = { name: "x", ipv4: "198.19.7.7", ipv6: "fd00:5367::7:7" };
    const [a, b] = await Promise.all([
      createLab({ endpoints: [{ name: "x" }, { name: "y" }], ports: [80] }),
      createLab({ endpoints: [custom, { name: "y" }], ports: [80] }),
    ]);
    try {
      assert.notEqual(a.id, b.id);
      assert.equal(b.endpoint("x").ipv4, "198.19.7.7");
      await a.hostExec(
        ["nft", "-f", "-"],
        "table inet t {\n chain f {\n type filter hook forward priority 0; tcp dport 80 drop\n }\n}\n",
      );
      const probes: Probe[] = FAMILIES.map((family) => ({ kind: "tcp", from: "y", to: "x", port: 80, family }));
      assert.deepEqual(await a.probeMany(probes, { recheck: false }), [false, false]);
      assert.deepEqual(await b.probeMany(probes), [true, true]);
      assert.equal(await b.udp("x", "y", 80, { family: 6 }), true);
    } finally {
      await Promise.all([a.destroy(), b.destroy()]);
    }
  });

  it("refuses addresses outside 198.18.0.0/15 and fd00:5367::/64 before making anything", async () => {
    const before = await listNetns();
    await assert.rejects(createLab({ endpoints: [{ name: "x", ipv4: "10.0.0.1" }], ports: [80] }), /198\.18\.0\.0\/15/);
    await assert.rejects(
      createLab({ endpoints: [{ name: "x", ipv6: "fd00:5368::1" }], ports: [80] }),
      /fd00:5367::\/64/,
    );
    await assert.rejects(createLab({ endpoints: [{ name: "x" }, { name: "x" }], ports: [80] }), /two endpoints/);
    assert.deepEqual(await listNetns(), before);
  });

  it("destroy() leaves no namespace behind", async () => {
    const short = await createLab({ endpoints: [{ name: "a" }, { name: "b" }], ports: [80] });
    const names = short.namespaces;
    assert.equal(names.length, 3);
    const listed = await listNetns();
    assert.ok(names.every((n) => listed.includes(n)));
    await short.destroy();
    assert.deepEqual(await surviving(names), []);
    await short.destroy(); // idempotent
    assert.throws(() => short.hostExec(["true"]), /destroyed/);
  });

  it("a lab's process dying of SIGTERM removes its namespaces; after SIGKILL the sweep does", async () => {
    const term = await startFixture();
    term.child.kill("SIGTERM");
    await once(term.child, "close");
    assert.deepEqual(await surviving(term.namespaces), []);

    // Another test process's lab may sweep the stale namespaces first (createLab sweeps); only when none is running
    // must it be this sweep that removes them.
    const killed = await startFixture();
    killed.child.kill("SIGKILL");
    await once(killed.child, "close");
    const alone = !(await otherProcessesHaveLabs(killed.child.pid));
    if (alone) assert.deepEqual(await surviving(killed.namespaces), killed.namespaces, "SIGKILL leaves them behind");
    // Its probers go by themselves when their parent's pipe closes.
    await waitFor(async () => {
      const pids = await Promise.all(
        killed.namespaces.map(async (n) =>
          (await run(["ip", "netns", "pids", n], { allowFailure: true })).stdout.trim(),
        ),
      );
      return pids.every((p) => p === "");
    }, "the probers of a killed lab exited");
    assert.ok(lab, "the live lab of this file");
    const swept = await sweepStaleLabs();
    if (alone && !(await otherProcessesHaveLabs(killed.child.pid))) {
      assert.deepEqual(swept.filter((n) => killed.namespaces.includes(n)).sort(), [...killed.namespaces].sort());
    }
    assert.deepEqual(await surviving(killed.namespaces), []);
    // The sweep leaves live labs alone.
    assert.deepEqual(
      swept.filter((n) => lab?.namespaces.includes(n)),
      [],
    );
    assert.equal(await lab.tcp("web", "db", 80), true);
  });
});

const FIXTURE = fileURLToPath(new URL("./crash-fixture.ts", import.meta.url));

async function startFixture(): Promise<{ child: ChildProcess; namespaces: string[] }> {
  const child = spawn(process.execPath, ["--import", "tsx", FIXTURE], { stdio: ["ignore", "pipe", "inherit"] });
  const { stdout } = child;
  if (stdout === null) throw new Error("no stdout");
  const [line] = (await once(createInterface({ input: stdout }), "line")) as [string];
  const { namespaces } = JSON.parse(line) as { namespaces: string[] };
  assert.equal(namespaces.length, 3);
  return { child, namespaces };
}

/** Whether a process other than this one (and `except`) has lab namespaces right now. */
async function otherProcessesHaveLabs(except: number | undefined): Promise<boolean> {
  return (await listNetns()).some((name) => {
    const pid = /^sgl-[0-9a-f]{4}-(\d+)-/.exec(name)?.[1];
    return pid !== undefined && Number(pid) !== process.pid && Number(pid) !== except;
  });
}

async function surviving(namespaces: readonly string[]): Promise<string[]> {
  const listed = new Set(await listNetns());
  return namespaces.filter((n) => listed.has(n));
}

async function waitFor(condition: () => Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
