// Turns flag text into typed values by the field's schema: integers, booleans, enums, K=V objects, JSON.
import { enumValues, schemaKind, type TObject, type TSchema } from "@sgplane/catalogue";

/** A mistake on the command line: reported with the usage hint and exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    readonly command?: string,
  ) {
    super(message);
    this.name = "UsageError";
  }
}

export function parseInteger(text: string, label: string): number {
  if (!/^[-+]?\d+$/.test(text.trim())) throw new UsageError(`${label}: expected an integer, got "${text}"`);
  return Number(text.trim());
}

export function parseBoolean(text: string, label: string): boolean {
  const t = text.trim().toLowerCase();
  if (t === "true" || t === "1") return true;
  if (t === "false" || t === "0") return false;
  throw new UsageError(`${label}: expected true or false, got "${text}"`);
}

/** Enums match case-insensitively (as the server does) and are sent in their canonical spelling. */
export function parseEnum<const T extends string>(text: string, values: readonly T[], label: string): T {
  const match = values.find((v) => v.toLowerCase() === text.trim().toLowerCase());
  if (match === undefined) throw new UsageError(`${label}: expected one of ${values.join(", ")}, got "${text}"`);
  return match;
}

export function parseScalar(schema: TSchema, text: string, label: string): unknown {
  const values = enumValues(schema);
  if (values !== undefined) return parseEnum(text, values, label);
  switch (schemaKind(schema)) {
    case "Integer":
    case "Number":
      return parseInteger(text, label);
    case "Boolean":
      return parseBoolean(text, label);
    case "Object":
      return parseJsonObject(text, label);
    default:
      return text;
  }
}

export function parseJsonObject(text: string, label: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not valid JSON (${(error as Error).message})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new UsageError(`${label}: expected a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * One item of an object list: `SecGroupId=secgroup-a,Priority=1`, or a JSON object. A comma splits only where
 * a field name and `=` follow, so values that hold commas themselves (DstPort=80,443) survive.
 */
export function parseObjectItem(text: string, item: TObject, label: string): Record<string, unknown> {
  if (text.trim().startsWith("{")) return parseJsonObject(text, label);
  const fields = Object.keys(item.properties);
  const canonical = new Map(fields.map((f) => [f.toLowerCase(), f]));
  // Any `,Name=` starts a new pair (so a misspelt field is reported, not swallowed into the previous value).
  const boundary = /,(?=\s*[A-Za-z][A-Za-z0-9]*\s*=)/;
  const out: Record<string, unknown> = {};
  for (const part of text.split(boundary)) {
    const eq = part.indexOf("=");
    const key = canonical.get(part.slice(0, eq).trim().toLowerCase());
    if (eq < 0 || key === undefined) {
      throw new UsageError(`${label}: "${part}" is not FIELD=VALUE with FIELD one of ${fields.join(", ")}`);
    }
    const schema = item.properties[key] as TSchema;
    out[key] = parseScalar(schema, part.slice(eq + 1).trim(), `${label} ${key}`);
  }
  const missing = (item.required ?? []).filter((f) => !(f in out));
  if (missing.length > 0) throw new UsageError(`${label}: missing ${missing.join(", ")}`);
  return out;
}
