// Envelope → JSON text, reusing the text of values rendered once and shared between responses.

/** JSON texts of shared, never-mutated values (cached renderings: handlers/render.ts). */
const encoded = new WeakMap<object, string>();

/**
 * Encodes value once and remembers the text, so every response that carries this same object splices the text in
 * instead of encoding it again. The caller promises never to mutate value afterwards.
 */
export function withRememberedJson<T extends object>(value: T): T {
  encoded.set(value, JSON.stringify(value));
  return value;
}

const rememberedJson = (v: unknown): string | undefined =>
  typeof v === "object" && v !== null ? encoded.get(v) : undefined;

/** The JSON text of a value: its remembered text when it has one. */
export function jsonText(value: object): string {
  return rememberedJson(value) ?? JSON.stringify(value);
}

function encodeList(list: readonly unknown[]): string {
  // As JSON.stringify: an element that has no JSON text (undefined, a function) becomes null.
  return `[${list.map((e) => rememberedJson(e) ?? JSON.stringify(e) ?? "null").join(",")}]`;
}

/**
 * Exactly JSON.stringify(envelope) (same key order, same text), but a top-level list whose elements were
 * remembered (withRememberedJson) reuses their texts: a DescribeSecGroup of unchanged groups does not re-encode them.
 */
export function encodeEnvelope(envelope: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(envelope)) {
    const text =
      Array.isArray(value) && value.some((e) => rememberedJson(e) !== undefined)
        ? encodeList(value)
        : JSON.stringify(value);
    // Keys whose value has no JSON text (undefined, functions, symbols) are left out, as JSON.stringify does.
    if (text !== undefined) parts.push(`${JSON.stringify(key)}:${text}`);
  }
  return `{${parts.join(",")}}`;
}
