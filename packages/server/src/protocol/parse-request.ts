// Turns query string + body into one parameter bag (secgroup-api.md §1.3): form, JSON, or query; body wins on a clash.
import { ApiError, type ParamValue } from "@sgplane/catalogue";
import { checkInputLimits, countFormParams, DEFAULT_INPUT_LIMITS, type InputLimits, tooManyParams } from "./limits.ts";

/** Parameter name → value, exactly as received (the signature is computed over this). Null prototype. */
export type ParamBag = Record<string, ParamValue>;

export function newBag(): ParamBag {
  return Object.create(null) as ParamBag;
}

function addForm(bag: ParamBag, text: string): void {
  for (const [key, value] of new URLSearchParams(text)) {
    if (!(key in bag)) bag[key] = value;
  }
}

function bodyIsJson(contentType: string, body: string): boolean {
  const ct = contentType.toLowerCase();
  if (ct.includes("json")) return true;
  if (ct.includes("x-www-form-urlencoded")) return false;
  return body.trimStart().startsWith("{");
}

const MAX_JSON_DEPTH = 32;

/** Depth of a parsed JSON value, without recursion (a hostile body may nest thousands of levels). */
function nestingDepth(root: unknown): number {
  let max = 0;
  const stack: [unknown, number][] = [[root, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [value, depth] = item;
    if (value === null || typeof value !== "object") continue;
    if (depth > max) max = depth;
    if (max > MAX_JSON_DEPTH) return max;
    for (const child of Object.values(value)) {
      if (child !== null && typeof child === "object") stack.push([child, depth + 1]);
    }
  }
  return max;
}

function parseJsonObject(body: string): Record<string, ParamValue> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (e) {
    throw new ApiError("InvalidParams", { name: "body", reason: `not valid JSON (${(e as Error).message})` });
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ApiError("InvalidParams", { name: "body", reason: "a JSON body must be an object" });
  }
  if (nestingDepth(parsed) > MAX_JSON_DEPTH) {
    throw new ApiError("InvalidParams", { name: "body", reason: `JSON nested deeper than ${MAX_JSON_DEPTH} levels` });
  }
  return parsed as Record<string, ParamValue>;
}

/**
 * Builds the bag: body parameters first (they win on a clash), then query parameters not already present.
 * Throws 230 `Params [body] not available` when the body cannot be parsed or has too many parameters, and 230
 * naming the parameter when a value breaks the global limits (limits.ts).
 */
export function parseRequest(
  query: string,
  contentType: string,
  body: string,
  limits: InputLimits = DEFAULT_INPUT_LIMITS,
): ParamBag {
  const bag = newBag();
  const queryParams = query.length > 0 ? countFormParams(query) : 0;
  if (body.length > 0) {
    if (bodyIsJson(contentType, body)) {
      const object = parseJsonObject(body);
      // Counted before copying; form bodies are counted before URLSearchParams splits them at all.
      if (Object.keys(object).length + queryParams > limits.maxParams) throw tooManyParams(limits);
      for (const [key, value] of Object.entries(object)) bag[key] = value;
    } else {
      if (countFormParams(body) + queryParams > limits.maxParams) throw tooManyParams(limits);
      addForm(bag, body);
    }
  } else if (queryParams > limits.maxParams) throw tooManyParams(limits);
  if (query.length > 0) addForm(bag, query);
  checkInputLimits(bag, limits);
  return bag;
}

/** The bag value of a top-level parameter as text, or undefined when absent or empty. */
export function bagText(bag: ParamBag, key: string): string | undefined {
  const v = bag[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return v === "" ? undefined : v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  return undefined;
}

const ACTION_NAME = /^[A-Za-z][A-Za-z0-9]{0,63}$/;
const FORM_ACTION = /(?:^|&)Action=([^&]{1,200})/;
const JSON_ACTION = /"Action"\s*:\s*"([^"\\]{1,64})"/;

/**
 * The Action a request names, found without building the bag: for the reply to a request refused while the bag was
 * built (a global limit), which must still echo `<Action>Response`. The body first, as JSON or form text (it wins in
 * the bag too), then the query. Only a well-formed action name counts.
 */
export function sniffAction(query: string, contentType: string, body: string): string | undefined {
  const inBody = bodyIsJson(contentType, body) ? JSON_ACTION.exec(body) : FORM_ACTION.exec(body);
  const candidates = [inBody?.[1], FORM_ACTION.exec(query)?.[1]];
  for (const raw of candidates) {
    if (raw === undefined) continue;
    let name: string;
    try {
      name = decodeURIComponent(raw.replace(/\+/g, " "));
    } catch {
      continue;
    }
    if (ACTION_NAME.test(name)) return name;
  }
  return undefined;
}
