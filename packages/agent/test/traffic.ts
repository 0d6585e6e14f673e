// Probing a lab and asking the evaluator about the same packets: every expectation is checked three ways — what
// the test says, what the kernel did through the agent's ruleset, and what CheckSecGroupPacket answers.
import assert from "node:assert/strict";
import type { SgplaneClient } from "@sgplane/sdk";
import type { Lab, Probe } from "./lab/index.ts";

export interface Expectation {
  readonly from: string;
  readonly to: string;
  readonly kind: "tcp" | "udp" | "ping";
  readonly port?: number;
  readonly family?: 4 | 6;
  readonly pass: boolean;
}

export const pass = (from: string, to: string, kind: Expectation["kind"], port?: number, family: 4 | 6 = 4) =>
  ({ from, to, kind, family, pass: true, ...(port !== undefined && { port }) }) as Expectation;
export const drop = (from: string, to: string, kind: Expectation["kind"], port?: number, family: 4 | 6 = 4) =>
  ({ ...pass(from, to, kind, port, family), pass: false }) as Expectation;

export interface TrafficWorld {
  readonly lab: Lab;
  readonly client: SgplaneClient;
  /** Lab endpoint name → resource id, for the endpoints the agent filters. */
  readonly resources: Readonly<Record<string, string>>;
}

const describeCase = (c: Expectation) =>
  `${c.from} → ${c.to} ${c.kind.toUpperCase()}${c.port === undefined ? "" : ` ${c.port}`} v${c.family ?? 4}`;

const probeOf = (c: Expectation): Probe =>
  c.kind === "ping"
    ? { kind: "ping", from: c.from, to: c.to, family: c.family ?? 4 }
    : { kind: c.kind, from: c.from, to: c.to, port: c.port ?? 0, family: c.family ?? 4 };

export async function expectTraffic(world: TrafficWorld, cases: readonly Expectation[]): Promise<void> {
  const probes = cases.map(probeOf);
  const [kernel, evaluator] = await Promise.all([
    world.lab.probeMany(probes),
    Promise.all(cases.map((c) => evaluate(world, c))),
  ]);
  const rows = cases.map((c, i) => ({
    packet: describeCase(c),
    expected: c.pass,
    kernel: kernel[i],
    evaluator: evaluator[i] ?? { pass: !c.pass, why: "no answer" },
  }));
  const wrong = rows.filter((r) => r.kernel !== r.expected || r.evaluator.pass !== r.expected);
  assert.deepEqual(
    wrong.map(
      (r) =>
        `${r.packet}: expected ${r.expected ? "pass" : "drop"}, kernel ${r.kernel ? "pass" : "drop"}, evaluator ${r.evaluator.why}`,
    ),
    [],
  );
}

/** The evaluator's answer for a packet between two lab endpoints: each filtered end must accept it. */
async function evaluate(world: TrafficWorld, c: Expectation): Promise<{ pass: boolean; why: string }> {
  const family = c.family ?? 4;
  const address = (name: string) => (family === 4 ? world.lab.endpoint(name).ipv4 : world.lab.endpoint(name).ipv6);
  const ProtocolType = c.kind === "ping" ? (family === 4 ? "ICMP" : "ICMPv6") : c.kind === "tcp" ? "TCP" : "UDP";
  const ends: { resource: string; Direction: "Ingress" | "Egress"; peer: string }[] = [];
  const fromResource = world.resources[c.from];
  const toResource = world.resources[c.to];
  if (fromResource !== undefined) ends.push({ resource: fromResource, Direction: "Egress", peer: address(c.to) });
  if (toResource !== undefined) ends.push({ resource: toResource, Direction: "Ingress", peer: address(c.from) });
  const answers = await Promise.all(
    ends.map((end) =>
      world.client.checkSecGroupPacket({
        ResourceId: end.resource,
        Direction: end.Direction,
        ProtocolType,
        PeerIp: end.peer,
        ...(c.port !== undefined && { Port: c.port }),
      }),
    ),
  );
  return {
    pass: answers.every((a) => a.Verdict === "Accept"),
    why: answers.map((a) => `${a.Verdict} (${a.Explanation})`).join("; ") || "no filtered end",
  };
}

/** The kernel alone (while the server is away, or the agent is known to be behind it on purpose). */
export async function expectKernel(lab: Lab, cases: readonly Expectation[]): Promise<void> {
  const kernel = await lab.probeMany(cases.map(probeOf));
  const wrong = cases.filter((c, i) => kernel[i] !== c.pass);
  assert.deepEqual(
    wrong.map((c) => `${describeCase(c)}: expected ${c.pass ? "pass" : "drop"}`),
    [],
  );
}
