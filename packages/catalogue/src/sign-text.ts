// The string-to-sign of secgroup-api.md §1.5, without Node: the server, the SDK and the browser console share it.

/** A decoded parameter value as it reached the server: flat text, or a native JSON value (§1.5.2). */
export type ParamValue =
  | string
  | number
  | boolean
  | null
  | readonly ParamValue[]
  | { readonly [k: string]: ParamValue };

/** Text of one value for signing: Go's rules for native JSON values; flat values are their own text. */
export function signText(value: ParamValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") return numberText(value);
  if (Array.isArray(value)) return value.map(signText).join("");
  const obj = value as { readonly [k: string]: ParamValue };
  return Object.keys(obj)
    .sort()
    .map((k) => k + signText(obj[k] as ParamValue))
    .join("");
}

/** Integers as plain decimal, floats without exponent (Go's FormatFloat 'f', -1). */
function numberText(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return BigInt(n).toString();
  if (!Number.isFinite(n)) return String(n);
  const s = String(n);
  if (!/e/i.test(s)) return s;
  return n.toFixed(20).replace(/\.?0+$/, "");
}

/** Sorted keys, each followed by its value's text, Signature left out; SHA-1 of this plus the private key signs. */
export function stringToSign(params: { readonly [k: string]: ParamValue }): string {
  return Object.keys(params)
    .filter((k) => k !== "Signature")
    .sort()
    .map((k) => k + signText(params[k] as ParamValue))
    .join("");
}
