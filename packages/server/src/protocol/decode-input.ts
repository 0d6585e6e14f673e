// Schema-driven typed access to the parameter bag (§1.3): Key.N / Key.N.Field / native JSON / JSON-array strings.

import { ApiError, enumValues, type ParamValue } from "@sgplane/catalogue";
import { Kind, type TArray, type TObject, type TSchema } from "@sinclair/typebox";
import type { ParamBag } from "./parse-request.ts";

/** A parameter as found on the wire: its own value and/or flattened children (`Key.0`, `Key.Field`). */
interface WireNode {
  value?: ParamValue;
  children?: Map<string, WireNode>;
}

type Json = ParamValue;

/** Groups dotted keys into a tree once, so each schema property is found without rescanning the bag. */
function buildTree(bag: ParamBag): Map<string, WireNode> {
  const root = new Map<string, WireNode>();
  for (const key of Object.keys(bag)) {
    const parts = key.split(".");
    let level = root;
    let node: WireNode | undefined;
    for (const [i, part] of parts.entries()) {
      node = level.get(part);
      if (node === undefined) {
        node = {};
        level.set(part, node);
      }
      if (i < parts.length - 1) {
        node.children ??= new Map();
        level = node.children;
      }
    }
    if (node !== undefined) node.value = bag[key] as ParamValue;
  }
  return root;
}

const invalid = (name: string, reason: string) => new ApiError("InvalidParams", { name, reason });
const isIndex = (k: string) => /^\d{1,9}$/.test(k);
const isPlaceholder = (k: string) => k === "n" || k === "N";

/** Children that are list elements, in numeric order (gaps allowed); doc placeholders `.n`/`.N` go last. */
function listChildren(children: Map<string, WireNode>): [string, WireNode][] {
  const numeric = [...children].filter(([k]) => isIndex(k)).sort((a, b) => Number(a[0]) - Number(b[0]));
  return [...numeric, ...[...children].filter(([k]) => isPlaceholder(k))];
}

function isEmptyValue(v: Json | undefined): boolean {
  return v === undefined || v === null || v === "";
}

function nodeFromJson(value: Json): WireNode {
  return { value };
}

function parseJsonText(name: string, text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw invalid(name, "is not valid JSON");
  }
}

function scalarText(name: string, v: Json): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean") return String(v);
  throw invalid(name, "must be a single value, not a list or object");
}

/** Length in code points; UTF-16 length bounds it (n/2 ≤ count ≤ n), so most checks never count. */
function codePoints(text: string): number {
  let n = 0;
  for (const _ of text) n++;
  return n;
}

const patterns = new Map<string, RegExp>();

function patternOf(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source);
    patterns.set(source, re);
  }
  return re;
}

function checkString(name: string, schema: TSchema, text: string): string {
  const { maxLength, minLength } = schema;
  if (typeof maxLength === "number" && text.length > maxLength && codePoints(text) > maxLength) {
    throw invalid(name, `is longer than ${maxLength} characters`);
  }
  if (typeof minLength === "number" && text.length < 2 * minLength && codePoints(text) < minLength) {
    throw invalid(name, `is shorter than ${minLength} characters`);
  }
  const allowed = enumValues(schema);
  if (allowed !== undefined) {
    const canonical = allowed.find((e) => e.toLowerCase() === text.toLowerCase());
    if (canonical === undefined) throw invalid(name, `must be one of ${allowed.join(", ")}`);
    return canonical;
  }
  if (typeof schema.pattern === "string" && !patternOf(schema.pattern).test(text)) {
    throw invalid(
      name,
      `must be ${typeof schema.format_hint === "string" ? schema.format_hint : `like ${schema.pattern}`}`,
    );
  }
  return text;
}

function toInteger(name: string, schema: TSchema, v: Json): number {
  let n: number;
  if (typeof v === "number") n = v;
  else if (typeof v === "string" && /^[+-]?\d{1,16}$/.test(v.trim())) n = Number(v.trim());
  else throw invalid(name, "must be an integer");
  if (!Number.isSafeInteger(n)) throw invalid(name, "must be an integer");
  const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
  if ((minimum !== undefined && n < minimum) || (maximum !== undefined && n > maximum)) {
    const range = maximum === undefined ? `at least ${minimum}` : `between ${minimum ?? "-∞"} and ${maximum}`;
    throw invalid(name, `must be ${range}`);
  }
  return n;
}

function toBoolean(name: string, v: Json): boolean {
  if (typeof v === "boolean") return v;
  const t = typeof v === "number" ? String(v) : typeof v === "string" ? v.trim().toLowerCase() : "";
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  throw invalid(name, "must be true or false");
}

/** A list-shaped node's elements: flattened children, a native array, a JSON-array string, or one plain value. */
function elementsOf(name: string, node: WireNode): [string, WireNode][] {
  if (node.children !== undefined) {
    const items = listChildren(node.children);
    if (items.length > 0) return items.map(([k, n]) => [`${name}.${k}`, n]);
  }
  let v = node.value;
  if (typeof v === "string" && v.trimStart().startsWith("[")) v = parseJsonText(name, v);
  if (Array.isArray(v)) return v.map((item: Json, i: number) => [`${name}.${i}`, nodeFromJson(item)]);
  if (isEmptyValue(v)) return [];
  return [[`${name}.0`, nodeFromJson(v as Json)]];
}

function decodeArray(name: string, schema: TArray, node: WireNode): unknown[] | undefined {
  const items = elementsOf(name, node);
  const out: unknown[] = [];
  const seen = new Set<string>();
  const scalarItems = schema.items[Kind] !== "Object";
  for (const [itemName, itemNode] of items) {
    const value = decodeNode(itemName, schema.items, itemNode);
    if (value === undefined) continue;
    if (scalarItems) {
      const key = String(value);
      if (seen.has(key)) continue;
      seen.add(key);
    }
    out.push(value);
  }
  if (typeof schema.maxItems === "number" && out.length > schema.maxItems) {
    throw invalid(name, `has more than ${schema.maxItems} elements`);
  }
  if (typeof schema.minItems === "number" && out.length < schema.minItems) {
    throw invalid(name, `needs at least ${schema.minItems} elements`);
  }
  return out.length === 0 ? undefined : out;
}

function decodeObject(name: string, schema: TObject, node: WireNode): Record<string, unknown> | undefined {
  let fields: Map<string, WireNode> | undefined = node.children;
  let v = node.value;
  if (typeof v === "string" && v.trimStart().startsWith("{")) v = parseJsonText(name, v);
  if (fields === undefined && v !== null && typeof v === "object" && !Array.isArray(v)) {
    fields = new Map(Object.entries(v).map(([k, x]) => [k, nodeFromJson(x as Json)]));
  } else if (fields === undefined && !isEmptyValue(v)) {
    throw invalid(name, "must be an object");
  }
  if (fields === undefined) return undefined;
  return decodeFields(name === "" ? "" : `${name}.`, schema, fields);
}

interface Property {
  readonly name: string;
  readonly schema: TSchema;
  readonly required: boolean;
  readonly lower: string;
}

/** An object schema's properties, listed once per schema (schemas are static). */
const propertyLists = new WeakMap<TObject, readonly Property[]>();

function propertiesOf(schema: TObject): readonly Property[] {
  let list = propertyLists.get(schema);
  if (list === undefined) {
    const required = new Set(schema.required ?? []);
    list = Object.entries(schema.properties).map(([name, s]) => ({
      name,
      schema: s,
      required: required.has(name),
      lower: name.toLowerCase(),
    }));
    propertyLists.set(schema, list);
  }
  return list;
}

function decodeFields(prefix: string, schema: TObject, fields: Map<string, WireNode>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  let byLowerName: Map<string, WireNode> | undefined;
  for (const prop of propertiesOf(schema)) {
    let node = fields.get(prop.name);
    // Else a case-insensitive match (CreateSecGroup's VPCID arrives as VPCId from the doc example).
    if (node === undefined) {
      byLowerName ??= lowerCaseKeys(fields);
      node = byLowerName.get(prop.lower);
    }
    const value = node === undefined ? undefined : decodeNode(`${prefix}${prop.name}`, prop.schema, node);
    if (value !== undefined) out[prop.name] = value;
    else if (prop.required) throw new ApiError("MissingParams", { name: `${prefix}${prop.name}` });
  }
  return out;
}

/** The fields by lower-cased name; the first of several spellings wins, as a scan in wire order would find. */
function lowerCaseKeys(fields: Map<string, WireNode>): Map<string, WireNode> {
  const byLower = new Map<string, WireNode>();
  for (const [k, n] of fields) {
    const lower = k.toLowerCase();
    if (!byLower.has(lower)) byLower.set(lower, n);
  }
  return byLower;
}

/** A document parameter (AdminImportState's State): native JSON, or JSON text; validated by its owner. */
function rawValue(name: string, node: WireNode): unknown {
  if (node.children !== undefined) throw invalid(name, "must be a JSON object, not flattened keys");
  const v = node.value;
  if (typeof v === "string") return v.trim() === "" ? undefined : parseJsonText(name, v);
  return v ?? undefined;
}

/** For a text field that also takes a JSON object: flattened fields or a native object, as JSON text. */
function objectAsJsonText(node: WireNode): string | undefined {
  const v = node.value;
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return JSON.stringify(v);
  const fields = node.children === undefined ? [] : [...node.children].filter(([k]) => !isIndex(k));
  if (fields.length === 0 || !isEmptyValue(v)) return undefined;
  return JSON.stringify(Object.fromEntries(fields.map(([k, n]) => [k, n.value ?? null])));
}

/** A scalar-typed field sent as a one-element list (`SecGroupId.0=x`) is taken as that element. */
function scalarOf(name: string, node: WireNode): Json | undefined {
  if (node.children !== undefined && listChildren(node.children).length > 0 && isEmptyValue(node.value)) {
    const items = elementsOf(name, node).filter(([, n]) => !isEmptyValue(n.value));
    if (items.length > 1) throw invalid(name, "takes one value, not a list");
    return items[0]?.[1].value;
  }
  return node.value;
}

function decodeNode(name: string, schema: TSchema, node: WireNode): unknown {
  if (schema.wireRaw === true) return rawValue(name, node);
  switch (schema[Kind]) {
    case "Array":
      return decodeArray(name, schema as TArray, node);
    case "Object":
      return decodeObject(name, schema as TObject, node);
    case "Integer": {
      const v = scalarOf(name, node);
      return isEmptyValue(v) ? undefined : toInteger(name, schema, v as Json);
    }
    case "Boolean": {
      const v = scalarOf(name, node);
      return isEmptyValue(v) ? undefined : toBoolean(name, v as Json);
    }
    default: {
      if (schema.jsonText === true) {
        const object = objectAsJsonText(node);
        if (object !== undefined) return checkString(name, schema, object);
      }
      const v = scalarOf(name, node);
      return isEmptyValue(v) ? undefined : checkString(name, schema, scalarText(name, v as Json));
    }
  }
}

/**
 * Decodes an action's input from the bag: typed, constrained, enums canonical, lists de-duplicated,
 * empty values absent. The first problem throws 220 (missing) or 230 (invalid) naming the wire parameter.
 */
export function decodeInput(schema: TObject, bag: ParamBag): Record<string, unknown> {
  return decodeFields("", schema, buildTree(bag));
}
