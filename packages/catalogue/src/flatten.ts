// Flatten a typed request into UCloud's wire keys (Key.N, Key.N.Field), as the official SDKs send them.

export type FlatValue = string | number | boolean;
export type Flat = Record<string, FlatValue>;

/** Flattens nested arrays/objects; drops undefined and null; scalars keep their JSON type (form encoding stringifies). */
export function flatten(input: { readonly [k: string]: unknown }): Flat {
  const out: Flat = {};
  for (const [key, value] of Object.entries(input)) put(out, key, value);
  return out;
}

function put(out: Flat, key: string, value: unknown): void {
  if (value === undefined || value === null) return;
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) put(out, `${key}.${i}`, item);
  } else if (typeof value === "object") {
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) put(out, `${key}.${k}`, v);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    out[key] = value;
  }
}
