// Lab namespaces: their names, finding the ones that crashed runs left behind, and whether a lab can run here.
import { randomBytes } from "node:crypto";
import { run, runIn } from "./exec.ts";

/** Every namespace the lab makes starts with this, and nothing else the lab removes does not. */
export const LAB_PREFIX = "sgl-";

/** sgl-<4-hex lab id>-<pid of the creating process>-<role>: the pid tells a crashed run's namespace from a live one. */
const LAB_NETNS = /^sgl-([0-9a-f]{4})-(\d+)-[a-z0-9]+$/;

export interface LabNames {
  readonly id: string;
  readonly host: string;
  endpoint(index: number): string;
  /** The host side of endpoint `index`'s veth: ≤ 15 characters, unique in the host namespace. */
  hostInterface(index: number): string;
}

export function labNames(id: string, pid = process.pid): LabNames {
  const base = `${LAB_PREFIX}${id}-${pid}`;
  return {
    id,
    host: `${base}-host`,
    endpoint: (index) => `${base}-e${index}`,
    hostInterface: (index) => `sgl${id}e${index}`,
  };
}

export async function listNetns(): Promise<string[]> {
  const { stdout } = await run(["ip", "netns", "list"]);
  // "name (id: 3)" or just "name"
  return stdout
    .split("\n")
    .map((line) => line.trim().split(/\s+/)[0] ?? "")
    .filter((name) => name !== "");
}

/** A lab id that no namespace on this machine uses yet, so that concurrent labs are told apart by their ids. */
export async function freshLabId(): Promise<string> {
  const taken = new Set((await listNetns()).map((name) => LAB_NETNS.exec(name)?.[1]));
  for (;;) {
    const id = randomBytes(2).toString("hex");
    if (!taken.has(id)) return id;
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Removes the lab namespaces whose creating process is gone (a run killed by SIGKILL, or one whose cleanup
 * failed), and returns their names. Namespaces of live processes, parallel test files included, are left alone,
 * and so is every namespace that does not carry the lab's name pattern.
 */
export async function sweepStaleLabs(): Promise<string[]> {
  const stale = (await listNetns()).filter((name) => {
    const match = LAB_NETNS.exec(name);
    return match !== null && !processAlive(Number(match[2]));
  });
  // A stale namespace's probers exit by themselves when their parent's pipe closes; deleting the name is enough.
  await Promise.all(stale.map((name) => run(["ip", "netns", "del", name], { allowFailure: true })));
  return stale;
}

export type LabAvailability = { readonly available: true } | { readonly available: false; readonly reason: string };

let availability: Promise<LabAvailability> | undefined;

/** Whether a lab can run here (root, `ip`, `nft` and `ping` installed, `ip netns add` and nftables working). */
export function labAvailability(): Promise<LabAvailability> {
  availability ??= checkAvailability();
  return availability;
}

const TOOLS = [
  { argv: ["ip", "-V"], package: "iproute2" },
  { argv: ["nft", "--version"], package: "nftables" },
  { argv: ["ping", "-V"], package: "iputils-ping" },
] as const;

async function checkAvailability(): Promise<LabAvailability> {
  const no = (reason: string): LabAvailability => ({ available: false, reason: `network-namespace lab: ${reason}` });
  if (process.platform !== "linux") return no(`needs Linux, not ${process.platform}`);
  const uid = process.getuid?.();
  if (uid !== 0) return no(`needs root (running as uid ${uid})`);
  for (const tool of TOOLS) {
    try {
      await run(tool.argv, { timeoutMs: 5000 });
    } catch (error) {
      return no(`\`${tool.argv.join(" ")}\` failed (${(error as Error).message}); install ${tool.package}`);
    }
  }
  const netns = labNames(await freshLabId())
    .endpoint(0)
    .replace(/-e0$/, "-check");
  try {
    await run(["ip", "netns", "add", netns], { timeoutMs: 5000 });
  } catch (error) {
    return no(`\`ip netns add\` does not work here (${(error as Error).message})`);
  }
  try {
    await runIn(netns, ["nft", "list", "ruleset"], { timeoutMs: 5000 });
    return { available: true };
  } catch (error) {
    return no(`nft cannot use nf_tables inside a namespace (${(error as Error).message})`);
  } finally {
    await run(["ip", "netns", "del", netns], { allowFailure: true });
  }
}

/**
 * Why the lab's tests are skipped, or undefined when they run. Under CI=true nothing is a reason to skip: the
 * tests run and fail, with labAvailability()'s reason.
 */
export async function labSkipReason(): Promise<string | undefined> {
  const result = await labAvailability();
  if (result.available || process.env.CI === "true") return undefined;
  return `${result.reason} (CI=true makes this a failure)`;
}
