// 500 random malformed requests over HTTP: each gets a well-formed envelope with a non-zero RetCode; the server lives on.
import assert from "node:assert/strict";
import { after, before, it } from "node:test";
import { catalogue, sign } from "@sgplane/catalogue";
import fc from "fast-check";
import { DEMO, EXAMPLE_SEED, postRaw, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
});
after(async () => {
  await server.stop();
});

const actions = Object.keys(catalogue);
const junkValue = fc.oneof(
  fc.string(),
  fc.string({ unit: "binary" }),
  fc.integer().map(String),
  fc.constantFrom("", "[", "[1,", '{"a":', "true", "-1", "1e309", "__proto__", "%ZZ", "\u0000", "ALL"),
  fc.array(fc.string(), { maxLength: 5 }).map((a) => JSON.stringify(a)),
);
const junkKey = fc.oneof(
  fc.constantFrom(
    "SecGroupId",
    "ResourceId",
    "Rule",
    "Force",
    "Limit",
    "Offset",
    "Priority",
    "__proto__",
    "constructor",
  ),
  fc
    .tuple(
      fc.constantFrom("SecGroupId", "ResourceId", "Rule", "PrioritySecGroup"),
      fc.nat(30),
      fc.constantFrom("", ".SecGroupId", ".Priority", ".Direction"),
    )
    .map(([k, n, f]) => `${k}.${n}${f}`),
  fc.string({ maxLength: 12 }),
);

/** Signed requests with junk parameters: they pass authentication and exercise decoding and validation. */
const signedJunk = fc
  .record({
    action: fc.constantFrom(...actions),
    params: fc.dictionary(junkKey, junkValue, { maxKeys: 8 }),
    json: fc.boolean(),
  })
  .map(({ action, params, json }) => {
    const all: Record<string, string> = { ...params, Action: action, PublicKey: DEMO.publicKey, Region: "cn-bj2" };
    delete all.Signature;
    all.Signature = sign(all, DEMO.privateKey);
    return json
      ? { body: JSON.stringify(all), type: "application/json" }
      : { body: new URLSearchParams(all).toString(), type: "application/x-www-form-urlencoded" };
  });

/** Unsigned garbage: broken JSON, binary, random form text. */
const rawJunk = fc.oneof(
  fc.string().map((body) => ({ body, type: "application/json" })),
  fc
    .uint8Array({ maxLength: 200 })
    .map((b) => ({ body: Buffer.from(b).toString("latin1"), type: "application/x-www-form-urlencoded" })),
  fc.json().map((body) => ({ body, type: "application/json" })),
  fc.string().map((body) => ({ body, type: "" })),
);

it("500 malformed requests each get a well-formed envelope with a non-zero RetCode", async () => {
  let count = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(signedJunk, rawJunk), async ({ body, type }) => {
      const res = await postRaw(server.url, body, type);
      count++;
      assert.equal(res.status, 200, res.text);
      const env = res.json;
      assert.ok(env && typeof env === "object", res.text);
      assert.equal(typeof env.Action, "string");
      assert.ok(String(env.Action).endsWith("Response"));
      assert.equal(typeof env.RetCode, "number");
      if (env.RetCode !== 0) {
        assert.equal(typeof env.Message, "string");
        assert.notEqual(env.RetCode, 150, `unexpected internal error for ${body.slice(0, 300)}: ${res.text}`);
      }
      // Junk must never succeed at a mutation. (A Describe with junk filters may legitimately answer 0.)
      const action = String(env.Action).replace(/Response$/, "");
      if (env.RetCode === 0)
        assert.ok(action.startsWith("Describe") || action === "AdminExportState", `${action} accepted junk: ${body}`);
    }),
    { numRuns: 500, seed: 20261128 },
  );
  assert.equal(count, 500);
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
});
