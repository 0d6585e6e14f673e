// SwitchToSecGroup (§3.15): reading its loosely typed group lists, and planning the bindings it makes.
import { ApiError, ID_PATTERN } from "@sgplane/catalogue";
import {
  type BindingPlan,
  type BindingWorld,
  checkBindTargets,
  checkFinalState,
  checkPriorityList,
  type PriorityEntry,
  requireKnown,
  withoutNoOps,
} from "./binding-model.ts";

const idPattern = new RegExp(ID_PATTERN);
const MAX_PRIORITY = 5;

/** The groups to bind on one resource or NIC. */
export interface SwitchTarget {
  readonly resourceId: string;
  readonly entries: readonly PriorityEntry[];
}

function invalid(name: string, reason: string): ApiError {
  return new ApiError("InvalidParams", { name, reason });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** One `{SecGroupId, Priority}` object; `name` is where it sits in the request, for the error. */
function priorityEntry(value: unknown, name: string): PriorityEntry {
  if (!isRecord(value)) throw invalid(name, "expected an object {SecGroupId, Priority}");
  const { SecGroupId: secGroupId, Priority: raw } = value;
  if (typeof secGroupId !== "string" || !idPattern.test(secGroupId)) throw invalid(name, "SecGroupId is not an id");
  const priority = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  if (typeof priority !== "number" || !Number.isInteger(priority) || priority < 1 || priority > MAX_PRIORITY) {
    throw invalid(name, `Priority must be an integer 1-${MAX_PRIORITY}`);
  }
  return { secGroupId, priority };
}

/** Each PrioritySecGroup element is JSON `{SecGroupId, Priority}` or a bare id whose priority is its position + 1. */
export function parsePrioritySecGroups(items: readonly string[] | undefined): PriorityEntry[] {
  const entries = (items ?? []).map((raw, n) => {
    const item = raw.trim();
    const name = `PrioritySecGroup.${n}`;
    if (item.startsWith("{")) return priorityEntry(parseJson(item, name), name);
    if (!idPattern.test(item)) throw invalid(name, "not a SecGroupId nor a JSON {SecGroupId, Priority}");
    return { secGroupId: item, priority: n + 1 };
  });
  checkPriorityList(entries, "PrioritySecGroup");
  return entries;
}

/** UniToPrioritySecGroup: JSON text of a map NIC id → [{SecGroupId, Priority}]. */
export function parseUniToPrioritySecGroup(text: string | undefined): SwitchTarget[] {
  if (text === undefined || text.trim() === "") return [];
  const name = "UniToPrioritySecGroup";
  const map = parseJson(text, name);
  if (!isRecord(map)) throw invalid(name, "expected a JSON object mapping NIC ids to group lists");
  return Object.entries(map).map(([nicId, list]) => {
    if (!idPattern.test(nicId)) throw invalid(`${name}.${nicId}`, "not a NIC id");
    if (!Array.isArray(list)) throw invalid(`${name}.${nicId}`, "expected an array of {SecGroupId, Priority}");
    const entries = list.map((value: unknown, n) => priorityEntry(value, `${name}.${nicId}.${n}`));
    checkPriorityList(entries, `${name}.${nicId}`);
    return { resourceId: nicId, entries };
  });
}

function parseJson(text: string, name: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw invalid(name, "not valid JSON");
  }
}

/** A switch must bind something: a resource in SecGroup mode with no group would deny all inbound traffic. */
export function checkSwitchShape(targets: readonly SwitchTarget[]): void {
  if (!targets.some((t) => t.entries.length > 0)) throw new ApiError("MissingParams", { name: "PrioritySecGroup" });
}

/**
 * Binds as AssociateSecGroup would, except that the resource need not be in SecGroup mode yet (the switch puts it
 * there). NICs must be in `world.resources` only when they belong to the switched resource.
 */
export function planSwitchToSecGroup(world: BindingWorld, targets: readonly SwitchTarget[]): BindingPlan {
  checkSwitchShape(targets);
  requireKnown(
    world,
    targets.flatMap((t) => t.entries.map((e) => e.secGroupId)),
    targets.map((t) => t.resourceId),
  );
  const put = targets.flatMap((t) => t.entries.map((e) => ({ resourceId: t.resourceId, ...e })));
  checkBindTargets(world, put, false);
  const plan = withoutNoOps(world, { remove: [], put });
  checkFinalState(world, plan);
  return plan;
}
