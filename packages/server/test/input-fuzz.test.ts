// 100,000 hostile requests (1,000,000 with SGPLANE_SOAK=1) through the real pipeline and handlers on an in-memory
// SQLite store, no HTTP: each gets a well-formed envelope, never 150, never success for a mutation; 220/230 name a
// parameter; the state never changes; Object.prototype is never touched; memory stays bounded.
import assert from "node:assert/strict";
import { before, it } from "node:test";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { findAction } from "@sgplane/catalogue";
import fc from "fast-check";
import { PrincipalCache } from "../src/auth/principal-cache.ts";
import { handlerTable } from "../src/handlers/table.ts";
import { randomIds, systemClock } from "../src/ids.ts";
import { type ApiOutcome, handleApiRequest, type PipelineDeps } from "../src/pipeline.ts";
import { parseRequest } from "../src/protocol/parse-request.ts";
import { exportState } from "../src/seed/export-state.ts";
import { loadSeed } from "../src/seed/load-seed.ts";
import { validateSeed } from "../src/seed/validate-seed.ts";
import { openStore } from "../src/store/open.ts";
import type { Store } from "../src/store/port.ts";
import { type FuzzRequest, hostileRequest, prebuildHeavyRequests } from "./input-fuzz-arbitraries.ts";
import { KEYS, WORLD } from "./isolation-world.ts";

const SOAK = process.env.SGPLANE_SOAK === "1";
const REQUESTS = Number(process.env.SGPLANE_FUZZ_REQUESTS ?? (SOAK ? 1_000_000 : 100_000));
const SEED = Number(process.env.SGPLANE_FUZZ_SEED ?? 20261128);
const BATCH = 2000;
/** Retained heap after all batches may exceed the warmed-up heap by at most this much. */
const HEAP_GROWTH_LIMIT = 48 * 1024 * 1024;
const RSS_GROWTH_LIMIT = 384 * 1024 * 1024;

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

let store: Store;
let deps: PipelineDeps;
before(async () => {
  store = await openStore("sqlite::memory:");
  await store.write(async (tx) => {
    await loadSeed(tx, validateSeed(WORLD), randomIds, systemClock.nowSeconds());
    await tx.upsertOperatorKey(KEYS.operator.publicKey, KEYS.operator.privateKey);
  });
  deps = { store, principals: new PrincipalCache(store), handlers: handlerTable, clock: systemClock, ids: randomIds };
  prebuildHeavyRequests();
});

const stateText = () => store.read(async (tx) => JSON.stringify(await exportState(tx)));

const PROTOTYPES = [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype];
/** Every own property of the built-in prototypes, with its value or accessor, to compare by identity. */
function prototypeSnapshot(): unknown[] {
  return PROTOTYPES.map((p) =>
    Reflect.ownKeys(p).map((k) => {
      const d = Object.getOwnPropertyDescriptor(p, k);
      return [k, d?.value, d?.get, d?.set];
    }),
  );
}

function memory() {
  gc();
  gc();
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss };
}

const MB = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;
const preview = (r: FuzzRequest) =>
  `${r.kind} ${r.contentType} query=${JSON.stringify(r.query.slice(0, 100))} body=${JSON.stringify(r.body.slice(0, 300))}`;

/** Whether a 220/230 message may name this parameter root: "body", a common or input parameter, or a key sent. */
function namable(r: FuzzRequest, action: string | undefined, root: string): boolean {
  if (root === "body" || root === "region" || root === "projectid") return true;
  const spec = action === undefined ? undefined : findAction(action);
  if (Object.keys(spec?.input.properties ?? {}).some((prop) => prop.toLowerCase() === root)) return true;
  // Cheap first: the name appears in the request as sent (a percent-encoded key needs the parse below).
  if (r.body.toLowerCase().includes(root) || r.query.toLowerCase().includes(root)) return true;
  const roots = new Set<string>();
  try {
    const bag = parseRequest(r.query, r.contentType, r.body, { maxParams: 1e9, maxItems: 1e9, maxValueLength: 1e9 });
    for (const key of Object.keys(bag)) roots.add((key.split(".")[0] ?? "").toLowerCase());
  } catch {
    // an unparsable body: only "body" may be named
  }
  return roots.has(root);
}

/** Everything one answer must satisfy; returns a problem description or undefined. */
function problemWith(outcome: ApiOutcome, r: FuzzRequest): string | undefined {
  const env = outcome.envelope;
  if (outcome.unexpected !== undefined) return `unexpected failure: ${String(outcome.unexpected)}`;
  if (typeof env.Action !== "string" || !env.Action.endsWith("Response")) return `bad Action ${env.Action}`;
  if (!Number.isInteger(env.RetCode)) return `bad RetCode ${env.RetCode}`;
  const text = JSON.stringify(env);
  if (JSON.stringify(JSON.parse(text)) !== text) return "envelope does not survive JSON";
  const action = env.Action.slice(0, -"Response".length) || undefined;
  if (env.RetCode === 0) {
    const spec = action === undefined ? undefined : findAction(action);
    if (spec === undefined || spec.mutates) return `${action} succeeded on junk`;
    return undefined;
  }
  if (env.RetCode === 150) return `internal error: ${env.Message}`;
  if (typeof env.Message !== "string" || env.Message === "") return "failure without a Message";
  if (/\n\s+at |\.ts:\d+/.test(env.Message)) return `stack trace in Message: ${env.Message}`;
  if (env.RetCode === 220 || env.RetCode === 230) {
    const m = /^(?:Missing params|Params) \[([^\]]+)\]/.exec(env.Message);
    if (m === null) return `220/230 without a parameter name: ${env.Message}`;
    // "SecGroupId/ResourceId" names alternatives; each must be a parameter.
    const roots = (m[1] ?? "").split("/").map((name) => (name.split(/[.[]/)[0] ?? "").toLowerCase());
    if (!roots.every((root) => namable(r, action, root))) {
      return `names [${m[1]}], not a parameter of the request or of ${action}`;
    }
  }
  return undefined;
}

it(`${REQUESTS} hostile requests: well-formed answers, no state change, no pollution, bounded memory`, {
  timeout: SOAK ? 3_600_000 : 300_000,
}, async (t) => {
  const initialState = await stateText();
  const initialPrototypes = prototypeSnapshot();
  const retCodes = new Map<number, number>();
  const kinds = new Map<string, number>();
  const started = performance.now();
  let warm: { heapUsed: number; rss: number } | undefined;
  let peakRss = 0;
  let sent = 0;
  for (let batch = 0; sent < REQUESTS; batch++) {
    const requests = fc.sample(hostileRequest, { numRuns: Math.min(BATCH, REQUESTS - sent), seed: SEED + batch });
    for (const [i, r] of requests.entries()) {
      const outcome = await handleApiRequest(r, deps);
      const problem = problemWith(outcome, r);
      if (problem !== undefined) {
        assert.fail(
          `${problem}\n(batch seed ${SEED + batch}, #${i}) ${preview(r)}\n→ ${JSON.stringify(outcome.envelope)}`,
        );
      }
      retCodes.set(outcome.envelope.RetCode, (retCodes.get(outcome.envelope.RetCode) ?? 0) + 1);
      kinds.set(r.kind, (kinds.get(r.kind) ?? 0) + 1);
    }
    sent += requests.length;
    assert.equal(await stateText(), initialState, `state changed in batch seed ${SEED + batch}`);
    assert.deepStrictEqual(prototypeSnapshot(), initialPrototypes, `a prototype changed in batch seed ${SEED + batch}`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (batch === 0) warm = memory();
  }
  const end = memory();
  const seconds = (performance.now() - started) / 1000;
  t.diagnostic(`${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s), seed ${SEED}`);
  t.diagnostic(`by kind: ${JSON.stringify(Object.fromEntries([...kinds].sort()))}`);
  t.diagnostic(`RetCodes: ${JSON.stringify(Object.fromEntries([...retCodes].sort((a, b) => a[0] - b[0])))}`);
  assert.ok(warm);
  t.diagnostic(
    `memory after warm-up batch → end: heap ${MB(warm.heapUsed)} → ${MB(end.heapUsed)}, rss ${MB(warm.rss)} → ` +
      `${MB(end.rss)} (peak ${MB(peakRss)})`,
  );
  assert.ok(end.heapUsed - warm.heapUsed < HEAP_GROWTH_LIMIT, "retained heap stays bounded");
  assert.ok(end.rss - warm.rss < RSS_GROWTH_LIMIT, "RSS stays bounded");
  assert.equal(sent, REQUESTS);
});
