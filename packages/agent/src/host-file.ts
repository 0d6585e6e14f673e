// The host file: which resources live on this host, and the host-side interface of each (docs/enforcement.md).
//   { "resources": { "uhost-web1": "tap-web1", "uhost-db1": "tap-db1" } }
import { readFile } from "node:fs/promises";
import type { HostEntry } from "./ruleset.ts";

export class HostFileError extends Error {}

// Linux interface names: 1–15 bytes, no '/', ':' or whitespace.
const IFNAME = /^[A-Za-z0-9_.-]{1,15}$/;
const RESOURCE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

export function parseHostFile(text: string, path = "host file"): HostEntry[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new HostFileError(`${path}: not JSON (${(error as Error).message})`);
  }
  const resources = (parsed as { resources?: unknown } | null)?.resources;
  if (typeof resources !== "object" || resources === null || Array.isArray(resources)) {
    throw new HostFileError(`${path}: expected {"resources": {"<resource id>": "<interface>", …}}`);
  }
  const entries: HostEntry[] = [];
  const owner = new Map<string, string>();
  for (const [resourceId, ifname] of Object.entries(resources)) {
    if (!RESOURCE_ID.test(resourceId)) throw new HostFileError(`${path}: '${resourceId}' is not a resource id`);
    if (typeof ifname !== "string" || !IFNAME.test(ifname)) {
      throw new HostFileError(`${path}: resource ${resourceId}: '${String(ifname)}' is not an interface name`);
    }
    const other = owner.get(ifname);
    if (other !== undefined)
      throw new HostFileError(`${path}: interface ${ifname} is named for both ${other} and ${resourceId}`);
    owner.set(ifname, resourceId);
    entries.push({ resourceId, ifname });
  }
  return entries.sort((a, b) => a.resourceId.localeCompare(b.resourceId));
}

export async function readHostFile(path: string): Promise<HostEntry[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new HostFileError(`${path}: ${(error as Error).message}`);
  }
  return parseHostFile(text, path);
}
