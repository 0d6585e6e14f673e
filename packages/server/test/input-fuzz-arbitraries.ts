// Generators of hostile requests for the input fuzz suites: junk parameters per catalogue action, signed so they reach
// decoding, plus targeted attacks (huge values, long lists, deep JSON, bad UTF-8, duplicate and prototype keys).
import { type ActionName, actionNames, catalogue, sign } from "@sgplane/catalogue";
import type { TSchema } from "@sinclair/typebox";
import fc from "fast-check";
import { parseRequest } from "../src/protocol/parse-request.ts";
import { GHOST, KEYS, MAIN, type Objs, OUTSIDERS } from "./isolation-world.ts";

export interface FuzzRequest {
  readonly kind: string;
  readonly action: string | undefined;
  readonly query: string;
  readonly contentType: string;
  readonly body: string;
}

type Key = { readonly publicKey: string; readonly privateKey: string };
type Signer = "aRoot" | "aDev" | "bRoot" | "operator" | "unknown" | "wrong" | "none";

const FORM = "application/x-www-form-urlencoded";
const JSON_CT = "application/json";
const NO_LIMITS = { maxParams: 1e9, maxItems: 1e9, maxValueLength: 1e9 };

const idsOfScope = (o: Objs) => [o.vpc, o.host, o.fw, o.nic, o.group, o.group2, o.rule, o.rule2];
const [B, P2, SH] = OUTSIDERS.map((o) => o.own) as [Objs, Objs, Objs];
const ownedByA = [MAIN, P2, SH].flatMap(idsOfScope);
const ownedByB = idsOfScope(B);
const ghostIds = idsOfScope(GHOST);

/**
 * Ids a request may name. A mutation names only objects its signer cannot see (another company's, or none), so no
 * generated mutation can be valid: the suite can require that nothing ever changes. Reads may name anything.
 */
function idPool(signer: Signer, mutates: boolean): string[] {
  if (!mutates) return [...ownedByA, ...ownedByB, ...ghostIds];
  if (signer === "bRoot") return [...ownedByA, ...ghostIds];
  return [...ownedByB, ...ghostIds];
}

const WEIRD_NUMBERS = [
  "-1",
  "-0",
  "0",
  "1e309",
  "1e3",
  "9007199254740993",
  "99999999999999999999",
  "1.5",
  "0x10",
  "Infinity",
  "NaN",
  " 3 ",
  "+3",
  "-2147483649",
  "2147483648",
  "00000000000000000003",
  "1_000",
  "٣",
];
const WEIRD_STRINGS = [
  "",
  " ",
  "[",
  "[1,",
  "{",
  '{"a":',
  "null",
  "true",
  "false",
  "[]",
  "{}",
  "[[]]",
  '[{"__proto__":1}]',
  "%ZZ",
  "%",
  "\u0000",
  "\uD800",
  "\uDFFF",
  "a\uD800b",
  "\uFFFD",
  "\u202E",
  "ALL",
  "all",
  "Ingress",
  "tcp",
  "Accept",
  "web",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "hasOwnProperty",
  "x".repeat(65),
  "y".repeat(257),
  "0.0.0.0/0",
  "10.0.0.0/8,::/0",
  "1-65535",
  "80,443",
];
export const PROTO_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "__proto__.polluted",
  "constructor.prototype.polluted",
  "Rule.0.__proto__",
  "Rule.__proto__.Priority",
  "SecGroupId.__proto__",
  "__defineGetter__",
  "valueOf",
];
const COMMON_KEYS = ["Region", "ProjectId", "Zone", "BusinessId", "Action", "PublicKey"];

/** Wire keys of an action's input: Field, Field.N, Field.N.Sub, in canonical and odd casing. */
function wireKeys(action: ActionName): string[] {
  const keys: string[] = [];
  for (const [name, schema] of Object.entries(catalogue[action].input.properties) as [string, TSchema][]) {
    keys.push(name, name.toLowerCase(), `${name}.0`, `${name}.1`, `${name}.10`, `${name}.n`, `${name}.-1`);
    const items = (schema as { items?: TSchema }).items;
    const subs = items?.properties === undefined ? [] : Object.keys(items.properties as object);
    for (const sub of subs) keys.push(`${name}.0.${sub}`, `${name}.1.${sub}`, `${name}.7.${sub.toUpperCase()}`);
  }
  return keys;
}
const WIRE_KEYS = new Map(actionNames.map((a) => [a, wireKeys(a)]));

/** Arbitraries are built once per id pool (chain() would otherwise rebuild them for every sample). */
function memo<T>(build: (ids: readonly string[]) => fc.Arbitrary<T>): (ids: readonly string[]) => fc.Arbitrary<T> {
  const cache = new Map<string, fc.Arbitrary<T>>();
  return (ids) => {
    const key = ids.join(" ");
    let arb = cache.get(key);
    if (arb === undefined) {
      arb = build(ids);
      cache.set(key, arb);
    }
    return arb;
  };
}

const junkString = memo(
  (ids): fc.Arbitrary<string> =>
    fc.oneof(
      { weight: 4, arbitrary: fc.string({ maxLength: 24 }) },
      { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 24 }) },
      { weight: 4, arbitrary: fc.constantFrom(...WEIRD_STRINGS, ...WEIRD_NUMBERS) },
      { weight: 4, arbitrary: fc.constantFrom(...ids) },
      {
        weight: 1,
        arbitrary: fc.array(fc.constantFrom(...ids, "x", ""), { maxLength: 6 }).map((a) => JSON.stringify(a)),
      },
      { weight: 2, arbitrary: fc.integer({ min: -10, max: 300 }).map(String) },
    ),
);

/** A native JSON value for nested JSON bodies. */
const junkJson = memo((ids): fc.Arbitrary<unknown> => {
  const leaf = fc.oneof(
    junkString(ids),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(1e308, -1e308, 2 ** 53 + 2, -0, 0.1),
  );
  return fc.oneof(
    { weight: 5, arbitrary: leaf },
    { weight: 2, arbitrary: fc.array(leaf, { maxLength: 6 }) },
    {
      weight: 2,
      arbitrary: fc.array(
        fc.dictionary(fc.constantFrom("SecGroupId", "Priority", "Direction", "__proto__", "x"), leaf),
        {
          maxLength: 3,
        },
      ),
    },
    { weight: 1, arbitrary: fc.dictionary(fc.constantFrom(...PROTO_KEYS, "a", "SecGroupId"), leaf, { maxKeys: 3 }) },
  );
});

/** encodeURIComponent, with lone surrogates sent as U+FFFD as browsers do (JSON bodies keep them, escaped). */
const enc = (text: string) =>
  encodeURIComponent(text.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD"));

/** JSON text of an object given as entries, so `__proto__` stays an ordinary key (an object literal would not). */
function jsonText(entries: readonly (readonly [string, unknown])[]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v) ?? "null"}`).join(",")}}`;
}

function keyOf(signer: Signer): Key | undefined {
  switch (signer) {
    case "aRoot":
    case "aDev":
    case "bRoot":
    case "operator":
      return KEYS[signer];
    case "unknown":
      return { publicKey: "iso-nobody-pub", privateKey: "x" };
    case "wrong":
      return { publicKey: KEYS.aRoot.publicKey, privateKey: "not-the-key" };
    case "none":
      return undefined;
  }
}

/** Adds PublicKey and a Signature computed over exactly the bag the server will build (first form value wins). */
function signed(signer: Signer, contentType: string, body: string, query = ""): { body: string; query: string } {
  const key = keyOf(signer);
  if (key === undefined) return { body, query };
  const json = contentType === JSON_CT;
  const withKey = json
    ? body === "{}"
      ? `{"PublicKey":${JSON.stringify(key.publicKey)}}`
      : `{"PublicKey":${JSON.stringify(key.publicKey)},${body.slice(1)}`
    : `PublicKey=${encodeURIComponent(key.publicKey)}&${body}`;
  let bag: Record<string, unknown>;
  try {
    bag = parseRequest(query, contentType, withKey, NO_LIMITS);
  } catch {
    return { body: withKey, query }; // unparsable: the signature cannot matter
  }
  const signature = sign(bag as Parameters<typeof sign>[0], key.privateKey);
  return json
    ? { body: `{"Signature":"${signature}",${withKey.slice(1)}`, query }
    : { body: `Signature=${signature}&${withKey}`, query };
}

const SIGNERS: readonly Signer[] = ["aRoot", "aRoot", "aRoot", "aDev", "bRoot", "operator", "unknown", "wrong", "none"];

/** Operator-signed admin mutations always carry one invalid required field, so none can succeed. */
const BROKEN_ADMIN: Partial<Record<ActionName, readonly (readonly [string, string])[]>> = {
  AdminCreateCompany: [["CompanyId", "x"]],
  AdminCreateKey: [["CompanyId", "-1"]],
  AdminCreateProject: [["CompanyId", "0"]],
  AdminCreateVPC: [["CompanyId", "1e3"]],
  AdminRegisterResource: [["CompanyId", "99999999999"]],
  AdminSetQuota: [["CompanyId", "2147483648"]],
  AdminDeregisterResource: [["ResourceId", "uhost-fz-nowhere"]],
  AdminUpdateResource: [["ResourceId", "%%%"]],
  AdminImportState: [["State", '{"Bogus":1,"Companies":[]}']],
};

const pairsCache = new WeakMap<fc.Arbitrary<unknown>, Map<string, fc.Arbitrary<[string, unknown][]>>>();
/** Up to 10 junk (key, value) pairs for an action: mostly its own wire keys, some prototype and random keys. */
function junkPairs(action: string, value: fc.Arbitrary<unknown>): fc.Arbitrary<[string, unknown][]> {
  let byAction = pairsCache.get(value);
  if (byAction === undefined) {
    byAction = new Map();
    pairsCache.set(value, byAction);
  }
  let pairs = byAction.get(action);
  if (pairs === undefined) {
    const keys = fc.oneof(
      { weight: 6, arbitrary: fc.constantFrom(...(WIRE_KEYS.get(action as ActionName) ?? []), "Zzz") },
      { weight: 1, arbitrary: fc.constantFrom(...PROTO_KEYS, ...COMMON_KEYS) },
      { weight: 1, arbitrary: fc.string({ maxLength: 10 }).filter((k) => k !== "Signature") },
    );
    pairs = fc.array(fc.tuple(keys, value), { maxLength: 10 });
    byAction.set(action, pairs);
  }
  return pairs;
}

/** A signed request of one action with junk parameters, as form, flat JSON or nested JSON. */
export const signedJunk: fc.Arbitrary<FuzzRequest> = fc
  .record({
    action: fc.constantFrom(...actionNames),
    signer: fc.constantFrom(...SIGNERS),
    encoding: fc.constantFrom("form", "form", "json", "nested"),
    region: fc.constantFrom("cn-bj2", "cn-bj2", "cn-sh2", "", "mars-1", "CN-BJ2"),
    project: fc.constantFrom(undefined, "org-iso-a1", "org-iso-a2", "org-iso-b1", "org-nowhere", ""),
    seed: fc.nat(),
  })
  .chain(({ action, signer, encoding, region, project }) => {
    const spec = catalogue[action];
    // The operator's admin mutations are made invalid; AdminReset (no parameters) is never sent with its key.
    const realAction = signer === "operator" && action === "AdminReset" ? "AdminExportState" : action;
    const ids = idPool(signer, spec.mutates);
    const value = encoding === "nested" ? junkJson(ids) : junkString(ids);
    return junkPairs(realAction, value).map((junk) => {
      const forced = signer === "operator" ? (BROKEN_ADMIN[realAction] ?? []) : [];
      const common: [string, unknown][] = [
        ["Action", realAction],
        ["Region", region],
      ];
      if (project !== undefined) common.push(["ProjectId", project]);
      const entries = [...forced, ...common, ...junk.filter(([k]) => !forced.some(([f]) => f === k))];
      if (encoding === "form") {
        const body = entries.map(([k, v]) => `${enc(k)}=${enc(String(v))}`).join("&");
        return { kind: `signed-${encoding}`, action: realAction, contentType: FORM, ...signed(signer, FORM, body) };
      }
      const body = jsonText(entries.map(([k, v]) => [k, encoding === "json" && typeof v === "object" ? String(v) : v]));
      return { kind: `signed-${encoding}`, action: realAction, contentType: JSON_CT, ...signed(signer, JSON_CT, body) };
    });
  });

/** Unsigned garbage: random text, bytes, JSON of any shape, under any content type. */
export const rawJunk: fc.Arbitrary<FuzzRequest> = fc
  .record({
    body: fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.json({ maxDepth: 4 }),
      fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString("latin1")),
      fc.constantFrom("{", "[1]", "null", '"x"', "{}", "=", "&&&", "a=%", "%E0%A4%A", " {", "\u0000{}"),
    ),
    contentType: fc.constantFrom(
      JSON_CT,
      FORM,
      "",
      "text/plain",
      "application/json; charset=latin1",
      "multipart/form-data",
    ),
    query: fc.constantFrom("", "Action=DescribeSecGroup", "Action=", "a&b&c", "%FF=%FE"),
  })
  .map((r) => ({ kind: "raw", action: undefined, ...r }));

/** Form values carrying invalid UTF-8 (percent-escaped) or lone surrogates. */
export const badUtf8: fc.Arbitrary<FuzzRequest> = fc
  .record({
    action: fc.constantFrom("DescribeSecGroup", "CreateSecGroup", "DeleteSecGroup", "UpdateSecGroup"),
    bytes: fc.constantFrom("%C3%28", "%FF", "%ED%A0%80", "%F0%28%8C%BC", "%C0%AF", "%E2%82", "%80", "%FE%FF"),
    field: fc.constantFrom("Name", "SecGroupId", "SecGroupId.0", "Remark", "VPCID", "Action"),
  })
  .map(({ action, bytes, field }) => ({
    kind: "bad-utf8",
    action,
    contentType: FORM,
    ...signed("aRoot", FORM, `Action=${action}&Region=cn-bj2&${field}=a${bytes}b&VPCID=uvnet-iso-b`),
  }));

/** Duplicate keys: form (first wins) and JSON (last wins), including duplicated Action and PublicKey. */
export const duplicates: fc.Arbitrary<FuzzRequest> = fc
  .record({
    key: fc.constantFrom("SecGroupId", "Action", "Region", "Name", "SecGroupId.0", "PublicKey"),
    json: fc.boolean(),
  })
  .map(({ key, json }) => {
    if (json) {
      const body = `{"Action":"UpdateSecGroup","Region":"cn-bj2","${key}":"secgroup-iso-b-g","${key}":"x","Name":"n"}`;
      return { kind: "duplicates", action: "UpdateSecGroup", contentType: JSON_CT, ...signed("aRoot", JSON_CT, body) };
    }
    const body = `Action=UpdateSecGroup&Region=cn-bj2&${key}=secgroup-iso-b-g&${key}=${MAIN.group}&Name=n`;
    return { kind: "duplicates", action: "UpdateSecGroup", contentType: FORM, ...signed("aRoot", FORM, body) };
  });

/** Heavy bodies depend on a few parameters only: build each once (keeps the suite's time on the server side). */
function cached<K extends object>(build: (k: K) => FuzzRequest): (k: K) => FuzzRequest {
  const cache = new Map<string, FuzzRequest>();
  return (k) => {
    const key = JSON.stringify(k);
    let r = cache.get(key);
    if (r === undefined) {
      r = build(k);
      cache.set(key, r);
    }
    return r;
  };
}

/** One value far over the global length limit (65,536): up to 1 MiB, in form or JSON. */
const hugeString: fc.Arbitrary<FuzzRequest> = fc
  .record({
    size: fc.constantFrom(65_537, 100_000, 400_000, 1 << 20),
    json: fc.boolean(),
    key: fc.constantFrom("Name", "Zzz", "Rule.0.Remark"),
  })
  .map(
    cached(({ size, json, key }) => {
      const v = "h".repeat(size);
      const body = json
        ? jsonText([
            ["Action", "CreateSecGroup"],
            ["Region", "cn-bj2"],
            [key, v],
          ])
        : `Action=CreateSecGroup&Region=cn-bj2&${key}=${v}`;
      // Unsigned: global limits are checked while the bag is built, before authentication.
      return { kind: "huge-string", action: "CreateSecGroup", contentType: json ? JSON_CT : FORM, body, query: "" };
    }),
  );

/** Lists over the global cap (1,000) up to 100,000 elements: native array, JSON-array text, Key.N keys. */
const bigArray: fc.Arbitrary<FuzzRequest> = fc
  .record({ n: fc.constantFrom(1001, 2001, 5000, 100_000), how: fc.constantFrom("native", "text", "keys") })
  .map(
    cached(({ n, how }) => {
      const ids = Array.from({ length: n }, (_, i) => `secgroup-fz${i}`);
      let body: string;
      let ct = FORM;
      if (how === "native") {
        ct = JSON_CT;
        body = jsonText([
          ["Action", "DeleteSecGroup"],
          ["Region", "cn-bj2"],
          ["SecGroupId", ids],
        ]);
      } else if (how === "text") {
        body = `Action=DeleteSecGroup&Region=cn-bj2&SecGroupId=${encodeURIComponent(JSON.stringify(ids.slice(0, 4000)))}`;
      } else {
        body = `Action=DeleteSecGroup&Region=cn-bj2&${ids.map((id, i) => `SecGroupId.${i}=${id}`).join("&")}`;
      }
      return { kind: `big-array-${how}`, action: "DeleteSecGroup", contentType: ct, body, query: "" };
    }),
  );

/** JSON nested past the 32-level limit, as the body or as a list value's JSON text. */
const deepJson: fc.Arbitrary<FuzzRequest> = fc
  .record({ depth: fc.constantFrom(33, 100, 5000, 100_000), asValue: fc.boolean(), object: fc.boolean() })
  .map(
    cached(({ depth, asValue, object }) => {
      const open = object ? '{"a":' : "[";
      const close = object ? "}" : "]";
      const deep = `${open.repeat(depth)}1${close.repeat(depth)}`;
      if (asValue) {
        const body = `Action=DescribeSecGroup&Region=cn-bj2&SecGroupId=${encodeURIComponent(deep.slice(0, 60_000))}`;
        return { kind: "deep-value", action: "DescribeSecGroup", contentType: FORM, ...signed("aRoot", FORM, body) };
      }
      const body = `{"Action":"DescribeSecGroup","Region":"cn-bj2","SecGroupId":${deep}}`;
      return { kind: "deep-body", action: "DescribeSecGroup", contentType: JSON_CT, body, query: "" };
    }),
  );

/** Far more parameters than allowed (2,000), in form or JSON. */
const manyParams: fc.Arbitrary<FuzzRequest> = fc
  .record({ n: fc.constantFrom(2001, 10_000, 100_000), json: fc.boolean() })
  .map(
    cached(({ n, json }) => {
      const keys = Array.from({ length: n }, (_, i) => `P${i}`);
      const body = json
        ? jsonText([["Action", "DescribeSecGroup"], ...keys.map((k) => [k, 1] as const)])
        : `Action=DescribeSecGroup&${keys.map((k) => `${k}=1`).join("&")}`;
      return { kind: "many-params", action: "DescribeSecGroup", contentType: json ? JSON_CT : FORM, body, query: "" };
    }),
  );

export const hostileRequest: fc.Arbitrary<FuzzRequest> = fc.oneof(
  { weight: 700, arbitrary: signedJunk },
  { weight: 120, arbitrary: rawJunk },
  { weight: 60, arbitrary: badUtf8 },
  { weight: 60, arbitrary: duplicates },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: bigArray },
  { weight: 4, arbitrary: deepJson },
  { weight: 1, arbitrary: manyParams },
);

/** Builds every heavy body up front (a few dozen, some MB each), so memory measured later excludes them. */
export function prebuildHeavyRequests(): void {
  for (const arb of [hugeString, bigArray, deepJson, manyParams]) fc.sample(arb, { numRuns: 300, seed: 1 });
}
