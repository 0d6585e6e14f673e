// A hypervisor host in network namespaces (Neutron/Calico style, routed): one host namespace, endpoints joined to
// it by veth pairs, a prober in every endpoint. The kernel's verdict on real packets is what the tests read.
import { performance } from "node:perf_hooks";
import { checkIPv4, checkIPv6, defaultAddresses, GATEWAY_V4, GATEWAY_V6 } from "./addresses.ts";
import { onProcessExit } from "./cleanup.ts";
import { type ExecOptions, type ExecResult, run, runIn, runSyncQuietly } from "./exec.ts";
import { HeldConnection } from "./held-connection.ts";
import { freshLabId, type LabNames, labAvailability, labNames, listNetns, sweepStaleLabs } from "./netns.ts";
import { type ProbeAnswer, Prober } from "./prober-client.ts";
import { type Family, type ProberEvent, TIMEOUT } from "./protocol.ts";

export type { Family } from "./protocol.ts";

export interface EndpointSpec {
  /** How tests name the endpoint (a resource, an outside peer: the lab does not care). Unique in the lab. */
  readonly name: string;
  /** Defaults: 198.18.1.<n+1> and fd00:5367::1:<n+1, hex> for the n-th endpoint (from 0). */
  readonly ipv4?: string;
  readonly ipv6?: string;
}

export interface LabOptions {
  readonly endpoints: readonly EndpointSpec[];
  /** TCP and UDP ports every endpoint listens on. Probes to other ports are refused (they could never pass). */
  readonly ports: readonly number[];
  /** How long a probe waits before it counts as dropped. Default 300 ms. */
  readonly timeoutMs?: number;
  /** Dropped probes are tried once more with this timeout before the lab answers false. Default 1500 ms. */
  readonly recheckTimeoutMs?: number;
  /** Whether to re-check drops at all. Default true. */
  readonly recheck?: boolean;
  /** Probes in flight at once, over the whole lab. Default 1024. */
  readonly maxInFlight?: number;
  /** `ping` processes at once, per endpoint. Default 32. */
  readonly maxConcurrentPings?: number;
  /** Remove namespaces left by crashed runs first (sweepStaleLabs). Default true. */
  readonly sweep?: boolean;
}

export interface LabEndpoint {
  readonly name: string;
  readonly index: number;
  readonly ipv4: string;
  readonly ipv6: string;
  /** The endpoint's namespace; inside it the veth is `eth0`. */
  readonly netns: string;
  /** The host side of its veth, in the host namespace (what the agent's host file maps the resource to). */
  readonly hostInterface: string;
}

export interface ProbeOptions {
  /** Default 4. */
  readonly family?: Family;
  readonly timeoutMs?: number;
  readonly recheck?: boolean;
}

export type Probe =
  | {
      readonly kind: "tcp" | "udp";
      readonly from: string;
      readonly to: string;
      readonly port: number;
      readonly family?: Family;
    }
  | { readonly kind: "ping"; readonly from: string; readonly to: string; readonly family?: Family };

export interface ProbeOutcome {
  readonly probe: Probe;
  readonly pass: boolean;
  /** Why it did not pass: "timeout" (silence: dropped), or what the kernel said (ECONNREFUSED, icmp-error, …). */
  readonly reason?: string;
  /** It timed out once and this is the verdict of the longer second try. */
  readonly rechecked: boolean;
  readonly ms: number;
}

export interface LabStats {
  probes: number;
  /** Timed-out probes tried again. */
  rechecks: number;
  /** Re-checks that passed: the first timeout was too short (load); the answer given is the re-check's. */
  overturned: number;
  /** UDP datagrams that arrived after their probe had been given up on. */
  lateUdp: number;
  /** UDP datagrams with a token the lab never sent. */
  strayUdp: number;
  /** TCP connections the probers accepted. */
  tcpAccepts: number;
}

const DEFAULT_TIMEOUT_MS = 300;
const DEFAULT_RECHECK_TIMEOUT_MS = 1500;

/** Ids in use by this process, so that labs created at the same moment never draw the same one. */
const liveIds = new Set<string>();

export class Lab {
  readonly id: string;
  readonly host: { readonly netns: string };
  readonly endpoints: readonly LabEndpoint[];
  readonly stats: LabStats = { probes: 0, rechecks: 0, overturned: 0, lateUdp: 0, strayUdp: 0, tcpAccepts: 0 };
  readonly ports: ReadonlySet<number>;

  private readonly byName: ReadonlyMap<string, LabEndpoint>;
  private readonly probers = new Map<string, Prober>();
  private readonly udpWaits = new Map<string, UdpWait>();
  private readonly expiredTokens = new Set<string>();
  private readonly limiter: Limiter;
  private readonly timeoutMs: number;
  private readonly recheckTimeoutMs: number;
  private readonly recheckDrops: boolean;
  private nextToken = 1;
  private nextConnection = 1;
  private destroying: Promise<void> | undefined;
  private readonly unregister: () => void;

  /** @internal use createLab() */
  constructor(names: LabNames, endpoints: readonly LabEndpoint[], options: LabOptions) {
    this.id = names.id;
    this.host = { netns: names.host };
    this.endpoints = endpoints;
    this.byName = new Map(endpoints.map((e) => [e.name, e]));
    this.ports = new Set(options.ports);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.recheckTimeoutMs = options.recheckTimeoutMs ?? DEFAULT_RECHECK_TIMEOUT_MS;
    this.recheckDrops = options.recheck ?? true;
    this.limiter = new Limiter(options.maxInFlight ?? 1024);
    this.unregister = onProcessExit(() => this.destroySync());
  }

  /** Every namespace of the lab, endpoints first (removing them removes the veth pairs). */
  get namespaces(): string[] {
    return [...this.endpoints.map((e) => e.netns), this.host.netns];
  }

  endpoint(name: string): LabEndpoint {
    const endpoint = this.byName.get(name);
    if (endpoint === undefined)
      throw new Error(`lab: no endpoint "${name}" (have ${[...this.byName.keys()].join(", ")})`);
    return endpoint;
  }

  /** Whether `from` can open a TCP connection to `to`:`port`. */
  async tcp(from: string, to: string, port: number, options: ProbeOptions = {}): Promise<boolean> {
    return (await this.probeOne({ kind: "tcp", from, to, port, ...family(options) }, options)).pass;
  }

  /** Whether a UDP datagram from `from` reaches `to`:`port` (the receiving prober reports it). */
  async udp(from: string, to: string, port: number, options: ProbeOptions = {}): Promise<boolean> {
    return (await this.probeOne({ kind: "udp", from, to, port, ...family(options) }, options)).pass;
  }

  /** Whether `to` answers an ICMP (v4) or ICMPv6 echo request from `from`. */
  async ping(from: string, to: string, options: ProbeOptions = {}): Promise<boolean> {
    return (await this.probeOne({ kind: "ping", from, to, ...family(options) }, options)).pass;
  }

  /** The verdicts of many probes, in order. They run in parallel; only timed-out ones are re-checked. */
  async probeMany(probes: readonly Probe[], options: Omit<ProbeOptions, "family"> = {}): Promise<boolean[]> {
    return (await this.probeManyDetailed(probes, options)).map((o) => o.pass);
  }

  async probeManyDetailed(
    probes: readonly Probe[],
    options: Omit<ProbeOptions, "family"> = {},
  ): Promise<ProbeOutcome[]> {
    this.assertOpen();
    for (const probe of probes) this.validate(probe);
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const first = await Promise.all(probes.map((p) => this.limiter.run(() => this.runProbe(p, timeoutMs, false))));
    if (!(options.recheck ?? this.recheckDrops)) return first;
    const again = first.filter((o) => !o.pass && o.reason === TIMEOUT);
    if (again.length === 0) return first;
    this.stats.rechecks += again.length;
    const second = new Map(
      await Promise.all(
        again.map(
          async (o) => [o, await this.limiter.run(() => this.runProbe(o.probe, this.recheckTimeoutMs, true))] as const,
        ),
      ),
    );
    return first.map((o) => {
      const recheck = second.get(o);
      if (recheck === undefined) return o;
      if (recheck.pass) this.stats.overturned++;
      return recheck;
    });
  }

  /**
   * Opens a TCP connection from `from` to `to`:`port` and keeps it, for `exchange()` later: whether a connection
   * made earlier still carries data after the rules changed. Rejects when it cannot connect (use `tcp()` to ask
   * whether a port is open); it waits `recheckTimeoutMs` (1500 ms) for the connect, since it is meant to succeed.
   */
  async hold(from: string, to: string, port: number, options: ProbeOptions = {}): Promise<HeldConnection> {
    this.assertOpen();
    const probe: Probe = { kind: "tcp", from, to, port, ...family(options) };
    this.validate(probe);
    const prober = this.probers.get(from);
    if (prober === undefined) throw new Error(`lab: no prober for ${from}`);
    const v6 = probe.family === 6;
    const target = this.endpoint(to);
    const conn = this.nextConnection++;
    const connection = new HeldConnection(
      from,
      to,
      port,
      v6 ? 6 : 4,
      prober,
      conn,
      `${this.id}/c${conn}`,
      this.recheckTimeoutMs,
    );
    const answer = await prober.request({
      op: "open",
      conn,
      addr: v6 ? target.ipv6 : target.ipv4,
      port,
      timeoutMs: options.timeoutMs ?? this.recheckTimeoutMs,
    });
    if (!answer.pass) throw new Error(`lab: could not hold a connection ${connection.description}: ${answer.reason}`);
    return connection;
  }

  /** Runs `argv` in the host namespace (e.g. `["nft", "-f", "-"]` with a ruleset on stdin); rejects on failure. */
  hostExec(argv: readonly string[], stdin?: string, options: Omit<ExecOptions, "stdin"> = {}): Promise<ExecResult> {
    this.assertOpen();
    return runIn(this.host.netns, argv, stdin === undefined ? options : { ...options, stdin });
  }

  /** Runs `argv` in an endpoint's namespace. */
  endpointExec(
    name: string,
    argv: readonly string[],
    stdin?: string,
    options: Omit<ExecOptions, "stdin"> = {},
  ): Promise<ExecResult> {
    this.assertOpen();
    return runIn(this.endpoint(name).netns, argv, stdin === undefined ? options : { ...options, stdin });
  }

  /** Stops the probers and removes every namespace of the lab (and with them the veth pairs). Idempotent. */
  destroy(): Promise<void> {
    this.destroying ??= (async () => {
      await Promise.all([...this.probers.values()].map((p) => p.close()));
      for (const netns of this.namespaces) await run(["ip", "netns", "del", netns], { allowFailure: true });
      const ours = new Set(this.namespaces);
      const remaining = (await listNetns()).filter((netns) => ours.has(netns));
      this.unregister();
      liveIds.delete(this.id);
      if (remaining.length > 0) throw new Error(`lab: could not remove ${remaining.join(", ")}`);
    })();
    return this.destroying;
  }

  /** For exit and signal handlers. */
  private destroySync(): void {
    for (const prober of this.probers.values()) prober.kill();
    for (const netns of this.namespaces) runSyncQuietly(["ip", "netns", "del", netns]);
  }

  /** @internal */
  async startProbers(config: { maxConcurrentPings: number }): Promise<void> {
    await Promise.all(
      this.endpoints.map(async (e) => {
        const prober = await Prober.start(
          e.name,
          e.netns,
          { ports: [...this.ports], ipv4: e.ipv4, ipv6: e.ipv6, maxConcurrentPings: config.maxConcurrentPings },
          (event) => this.onEvent(e, event),
        );
        this.probers.set(e.name, prober);
      }),
    );
  }

  private onEvent(at: LabEndpoint, event: ProberEvent): void {
    if (event.event === "tcp") this.stats.tcpAccepts++;
    if (event.event !== "udp") return;
    const wait = this.udpWaits.get(event.token);
    if (wait === undefined) {
      if (this.expiredTokens.has(event.token)) this.stats.lateUdp++;
      else this.stats.strayUdp++;
      return;
    }
    wait.arrived = { at: at.name, from: event.from, port: event.port };
    wait.notify?.();
  }

  private async probeOne(probe: Probe, options: ProbeOptions): Promise<ProbeOutcome> {
    const [outcome] = await this.probeManyDetailed([probe], options);
    if (outcome === undefined) throw new Error("lab: no outcome");
    return outcome;
  }

  private validate(probe: Probe): void {
    this.endpoint(probe.from);
    this.endpoint(probe.to);
    if (probe.family !== undefined && probe.family !== 4 && probe.family !== 6) {
      throw new Error(`lab: family must be 4 or 6, not ${String(probe.family)}`);
    }
    if (probe.kind !== "ping" && !this.ports.has(probe.port)) {
      throw new Error(`lab: port ${probe.port} is not one the probers listen on (${[...this.ports].join(", ")})`);
    }
  }

  private async runProbe(probe: Probe, timeoutMs: number, rechecked: boolean): Promise<ProbeOutcome> {
    this.stats.probes++;
    const started = performance.now();
    const from = this.endpoint(probe.from);
    const to = this.endpoint(probe.to);
    const prober = this.probers.get(from.name);
    if (prober === undefined) throw new Error(`lab: no prober for ${from.name}`);
    const v6 = probe.family === 6;
    const addr = v6 ? to.ipv6 : to.ipv4;
    let answer: ProbeAnswer;
    switch (probe.kind) {
      case "tcp":
        answer = await prober.request({ op: "tcp", addr, port: probe.port, timeoutMs });
        break;
      case "ping":
        answer = await prober.request({ op: "ping", addr, family: v6 ? 6 : 4, timeoutMs });
        break;
      case "udp":
        answer = await this.udpProbe(prober, addr, probe.port, timeoutMs, to, v6 ? from.ipv6 : from.ipv4);
        break;
    }
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return answer.reason === undefined
      ? { probe, pass: answer.pass, rechecked, ms }
      : { probe, pass: answer.pass, reason: answer.reason, rechecked, ms };
  }

  private async udpProbe(
    prober: Prober,
    addr: string,
    port: number,
    timeoutMs: number,
    to: LabEndpoint,
    source: string,
  ): Promise<ProbeAnswer> {
    const token = `${this.id}/${this.nextToken++}`;
    const wait: UdpWait = {};
    this.udpWaits.set(token, wait);
    try {
      const sent = await prober.request({ op: "udp", addr, port, token });
      if (!sent.pass) return sent;
      // The window opens once the datagram is in the sender's kernel, so a slow prober does not eat into it.
      if (wait.arrived === undefined) {
        await new Promise<void>((resolve) => {
          // setImmediate: let a report that is already in the pipe be read before giving up (prober.ts, probeTcp).
          const timer = setTimeout(() => setImmediate(resolve), timeoutMs);
          wait.notify = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    } finally {
      this.udpWaits.delete(token);
    }
    const { arrived } = wait;
    if (arrived === undefined) {
      this.expiredTokens.add(token);
      return { pass: false, reason: TIMEOUT };
    }
    if (arrived.at !== to.name || arrived.from !== source || arrived.port !== port) {
      throw new Error(
        `lab: UDP ${token} for ${to.name}:${port} from ${source} arrived at ${arrived.at}:${arrived.port} from ${arrived.from}`,
      );
    }
    return { pass: true };
  }

  private assertOpen(): void {
    if (this.destroying !== undefined) throw new Error(`lab ${this.id} has been destroyed`);
  }
}

interface UdpWait {
  arrived?: { at: string; from: string; port: number };
  notify?: () => void;
}

function family(options: ProbeOptions): { family: Family } {
  return { family: options.family ?? 4 };
}

class Limiter {
  private running = 0;
  private readonly queue: (() => void)[] = [];
  constructor(private readonly max: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.max) await new Promise<void>((resolve) => this.queue.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.queue.shift()?.();
    }
  }
}

function checkOptions(options: LabOptions): LabEndpoint[] {
  if (options.endpoints.length === 0) throw new Error("lab: at least one endpoint");
  for (const port of options.ports) {
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`lab: bad port ${port}`);
  }
  const seen = new Set<string>();
  return options.endpoints.map((spec, index) => {
    const defaults = defaultAddresses(index);
    const ipv4 = checkIPv4(spec.ipv4 ?? defaults.ipv4);
    const ipv6 = checkIPv6(spec.ipv6 ?? defaults.ipv6);
    for (const key of [`name ${spec.name}`, ipv4, ipv6]) {
      if (seen.has(key)) throw new Error(`lab: ${key} is used by two endpoints`);
      seen.add(key);
    }
    if (spec.name === "") throw new Error("lab: an endpoint needs a name");
    return { name: spec.name, index, ipv4, ipv6, netns: "", hostInterface: "" };
  });
}

/** Builds a lab; on any failure it removes what it had made and rethrows. Call `destroy()` when done. */
export async function createLab(options: LabOptions): Promise<Lab> {
  const planned = checkOptions(options);
  const availability = await labAvailability();
  if (!availability.available) throw new Error(availability.reason);
  if (options.sweep ?? true) await sweepStaleLabs();
  let id = await freshLabId();
  while (liveIds.has(id)) id = await freshLabId();
  liveIds.add(id);
  const names = labNames(id);
  const endpoints = planned.map((e) => ({
    ...e,
    netns: names.endpoint(e.index),
    hostInterface: names.hostInterface(e.index),
  }));
  const lab = new Lab(names, endpoints, options);
  try {
    await build(lab);
    await lab.startProbers({ maxConcurrentPings: options.maxConcurrentPings ?? 32 });
    return lab;
  } catch (error) {
    await lab.destroy().catch(() => {});
    throw error;
  }
}

/** DAD off before any interface exists, so that addresses (link-local ones too) are usable at once. */
const NO_DAD = "echo 0 > /proc/sys/net/ipv6/conf/all/accept_dad && echo 0 > /proc/sys/net/ipv6/conf/default/accept_dad";
const FORWARDING = "echo 1 > /proc/sys/net/ipv4/ip_forward && echo 1 > /proc/sys/net/ipv6/conf/all/forwarding";

async function build(lab: Lab): Promise<void> {
  const host = lab.host.netns;
  // Each namespace is made before anything runs in it: `ip netns exec` fails on a missing one rather than falling
  // back to the root namespace, which is what keeps every later command out of it.
  await Promise.all(lab.namespaces.map((netns) => run(["ip", "netns", "add", netns])));
  await Promise.all(
    lab.namespaces.map((netns) =>
      runIn(netns, ["sh", "-c", `${NO_DAD} && ${netns === host ? `${FORWARDING} && ` : ""}ip link set lo up`]),
    ),
  );
  // The pairs are born with one end in each namespace; nothing is ever attached to the root namespace.
  await runIn(host, ["ip", "-batch", "-"], {
    stdin: lab.endpoints.map((e) => `link add ${e.hostInterface} type veth peer name eth0 netns ${e.netns}\n`).join(""),
  });
  await Promise.all(
    lab.endpoints.map((e) =>
      runIn(e.netns, ["ip", "-batch", "-"], {
        stdin: [
          "link set eth0 up",
          `address add ${e.ipv4}/32 dev eth0`,
          `address add ${e.ipv6}/128 dev eth0 nodad`,
          `route add ${GATEWAY_V4}/32 dev eth0 scope link`,
          `route add default via ${GATEWAY_V4} dev eth0`,
          `route add ${GATEWAY_V6}/128 dev eth0`,
          `route add ::/0 via ${GATEWAY_V6} dev eth0`,
        ].join("\n"),
      }),
    ),
  );
  await runIn(host, ["ip", "-batch", "-"], {
    stdin: lab.endpoints
      .flatMap((e) => [
        `link set ${e.hostInterface} up`,
        `address add ${GATEWAY_V4}/32 dev ${e.hostInterface}`,
        `address add ${GATEWAY_V6}/128 dev ${e.hostInterface} nodad`,
        `route add ${e.ipv4}/32 dev ${e.hostInterface} src ${GATEWAY_V4}`,
        `route add ${e.ipv6}/128 dev ${e.hostInterface}`,
      ])
      .join("\n"),
  });
}
