// Global input limits, checked while the bag is built and before authentication: parameter count, list length, value length.
import { ApiError, actionNames, catalogue, type ParamValue } from "@sgplane/catalogue";

export interface InputLimits {
  /** Most parameters in one request: form/query pairs, or top-level JSON keys (plus query pairs). */
  readonly maxParams: number;
  /** Most elements in any one list as sent (Key.N indices, a native JSON array, a JSON-array string). */
  readonly maxItems: number;
  /** Longest single value, in UTF-16 code units. Document parameters (AdminImportState's State) are exempt. */
  readonly maxValueLength: number;
}

/** Per-field limits in the catalogue are tighter; these bound what reaches any code at all (even unknown keys). */
export const DEFAULT_INPUT_LIMITS: InputLimits = { maxParams: 2000, maxItems: 1000, maxValueLength: 65_536 };

const invalid = (name: string, reason: string) => new ApiError("InvalidParams", { name, reason });

export function tooManyParams(limits: InputLimits): ApiError {
  return invalid("body", `more than ${limits.maxParams} parameters`);
}

/** The pairs URLSearchParams would yield (non-empty `&`-separated segments), counted without allocating them. */
export function countFormParams(text: string): number {
  let count = 0;
  let start = 0;
  for (;;) {
    const end = text.indexOf("&", start);
    const stop = end === -1 ? text.length : end;
    if (stop > start) count++;
    if (end === -1) return count;
    start = end + 1;
  }
}

/** Wire names of `wireRaw` (document) fields of the actions that have any: bounded by the body limit only. */
const documentFields = new Map<string, ReadonlySet<string>>(
  actionNames
    .map((name): [string, ReadonlySet<string>] => [
      name,
      new Set(
        Object.entries(catalogue[name].input.properties)
          .filter(([, schema]) => schema.wireRaw === true)
          .map(([field]) => field),
      ),
    ])
    .filter(([, fields]) => fields.size > 0),
);

const isIndex = (k: string) => /^\d{1,9}$/.test(k);
const rootOf = (key: string) => {
  const dot = key.indexOf(".");
  return dot === -1 ? key : key.slice(0, dot);
};

function tooManyItems(name: string, limits: InputLimits): ApiError {
  return invalid(name, `more than ${limits.maxItems} elements`);
}

/** A text value: its length, and the length of the list it holds when it is a JSON-array string (§1.3 rule 3). */
function checkText(name: string, value: string, limits: InputLimits): void {
  if (value.length > limits.maxValueLength) throw invalid(name, `longer than ${limits.maxValueLength} characters`);
  // Fewer than 2·maxItems characters cannot hold more than maxItems elements; longer ones are parsed to count.
  if (value.length > 2 * limits.maxItems && value.trimStart().startsWith("[")) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      return; // not a list; decoding reports it
    }
    if (Array.isArray(parsed) && parsed.length > limits.maxItems) throw tooManyItems(name, limits);
  }
}

/** A native JSON value: every array in it, and every string inside (no recursion: depth is bounded anyway). */
function checkJson(name: string, root: object, limits: InputLimits): void {
  const stack: [string, ParamValue][] = [[name, root as ParamValue]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [path, value] = item;
    if (typeof value === "string") checkText(path, value, limits);
    else if (Array.isArray(value)) {
      if (value.length > limits.maxItems) throw tooManyItems(path, limits);
      value.forEach((v: ParamValue, i: number) => {
        stack.push([`${path}.${i}`, v]);
      });
    } else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) stack.push([`${path}.${k}`, v]);
    }
  }
}

/** Distinct `Key.N` indices under each prefix (`Rule.0.Priority`, `Rule.1.Priority` … are elements of `Rule`). */
function checkIndices(keys: readonly string[], exempt: ReadonlySet<string> | undefined, limits: InputLimits): void {
  const indices = new Map<string, Set<string>>();
  for (const key of keys) {
    if (exempt?.has(rootOf(key)) === true) continue;
    const parts = key.split(".");
    for (let i = 1; i < parts.length; i++) {
      const part = parts[i] as string;
      if (!isIndex(part)) continue;
      const prefix = parts.slice(0, i).join(".");
      let seen = indices.get(prefix);
      if (seen === undefined) {
        seen = new Set();
        indices.set(prefix, seen);
      }
      seen.add(part);
      if (seen.size > limits.maxItems) throw tooManyItems(prefix, limits);
    }
  }
}

/**
 * Checks every value of the bag against the global limits, and the number of list elements however they were sent.
 * Throws 230 naming the parameter. Cheap for ordinary requests: strings are length-checked, nothing is split.
 */
export function checkInputLimits(bag: Readonly<Record<string, ParamValue>>, limits: InputLimits): void {
  const action = bag.Action;
  const exempt = typeof action === "string" ? documentFields.get(action) : undefined;
  const keys = Object.keys(bag);
  for (const key of keys) {
    if (exempt?.has(rootOf(key)) === true) continue;
    const value = bag[key];
    if (typeof value === "string") checkText(key, value, limits);
    else if (value !== null && typeof value === "object") checkJson(key, value, limits);
  }
  // A prefix can have more than maxItems distinct indices only when there are more keys than that.
  if (keys.length > limits.maxItems) checkIndices(keys, exempt, limits);
}
