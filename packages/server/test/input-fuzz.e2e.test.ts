// 2,000 hostile requests over real HTTP (the pipeline-level suite sends 100,000): the same generators plus raw invalid
// UTF-8 bytes; every answer is an HTTP 200 envelope, nothing changes, the server logs no internal error and its memory
// stays bounded.
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { after, before, it } from "node:test";
import fc from "fast-check";
import { type ServerProcess, startServer } from "./harness.ts";
import { type FuzzRequest, hostileRequest } from "./input-fuzz-arbitraries.ts";
import { KEYS, WORLD } from "./isolation-world.ts";

const SOAK = process.env.SGPLANE_SOAK === "1";
const REQUESTS = Number(process.env.SGPLANE_HTTP_FUZZ_REQUESTS ?? (SOAK ? 50_000 : 2000));
const SEED = Number(process.env.SGPLANE_FUZZ_SEED ?? 20261128);
const IN_FLIGHT = 4;

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: WORLD });
});
after(async () => {
  await server.stop();
});

/** Raw bytes that are not UTF-8, sent as the body as they are. */
const invalidUtf8 = fc
  .record({
    prefix: fc.constantFrom("Action=DescribeSecGroup&Name=", '{"Action":"CreateSecGroup","Name":"', "", "Action="),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((b) => Buffer.from(b.map((x) => x | 0x80))),
    json: fc.boolean(),
  })
  .map(({ prefix, bytes, json }) => ({
    kind: "raw-bytes",
    body: Buffer.concat([Buffer.from(prefix), bytes, Buffer.from(json ? '"}' : "")]),
    contentType: json ? "application/json" : "application/x-www-form-urlencoded",
    query: "",
  }));

type Sendable = Omit<FuzzRequest, "body" | "action"> & { body: string | Buffer };

const requests = fc.oneof(
  { weight: 9, arbitrary: hostileRequest as fc.Arbitrary<Sendable> },
  { weight: 1, arbitrary: invalidUtf8 as fc.Arbitrary<Sendable> },
);

/** Resident memory of the server process, from /proc (Linux). */
async function serverRss(): Promise<number | undefined> {
  try {
    const status = await readFile(`/proc/${server.child.pid}/status`, "utf8");
    const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
    return kb === undefined ? undefined : Number(kb) * 1024;
  } catch {
    return undefined;
  }
}

async function snapshot(): Promise<string> {
  return JSON.stringify((await server.client(KEYS.operator).call<{ State: unknown }>("AdminExportState")).State);
}

it(`${REQUESTS} hostile requests over HTTP: an envelope each, no change, no internal error`, {
  timeout: 600_000,
}, async (t) => {
  const before = await snapshot();
  const sample = fc.sample(requests, { numRuns: REQUESTS, seed: SEED });
  const codes = new Map<number, number>();
  const problems: string[] = [];
  let rssWarm: number | undefined;
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < sample.length; i = next++) {
      const r = sample[i] as Sendable;
      const url = new URL(`/?${r.query}`, server.url);
      const res = await fetch(url, { method: "POST", headers: { "Content-Type": r.contentType }, body: r.body });
      const text = await res.text();
      let env: Record<string, unknown> | undefined;
      try {
        env = JSON.parse(text) as Record<string, unknown>;
      } catch {
        env = undefined;
      }
      const code = env?.RetCode;
      const action = typeof env?.Action === "string" ? env.Action.replace(/Response$/, "") : "";
      if (res.status !== 200 || typeof code !== "number" || typeof env?.Action !== "string") {
        problems.push(`#${i} ${r.kind}: HTTP ${res.status} ${text.slice(0, 200)}`);
      } else if (code === 150 || (code !== 0 && typeof env.Message !== "string")) {
        problems.push(`#${i} ${r.kind}: ${text.slice(0, 300)}`);
      } else if (code === 0 && !(action.startsWith("Describe") || action === "AdminExportState")) {
        problems.push(`#${i} ${r.kind}: ${action} succeeded on junk`);
      }
      codes.set(Number(code), (codes.get(Number(code)) ?? 0) + 1);
      if (i === 200) rssWarm = await serverRss();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  assert.deepEqual(problems, []);
  assert.equal(await snapshot(), before, "the state did not change");
  const health = await fetch(`${server.url}/healthz`);
  assert.equal(health.status, 200);
  const log = server.output();
  assert.equal(log.includes("unexpected failure"), false, "no internal error was logged");
  assert.equal(/\n\s+at .*\.ts:\d+/.test(log), false, "no stack trace in the log");
  const rssEnd = await serverRss();
  t.diagnostic(`${REQUESTS} requests in ${seconds.toFixed(1)} s, ${IN_FLIGHT} in flight, seed ${SEED}`);
  t.diagnostic(`RetCodes: ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => a[0] - b[0])))}`);
  if (rssWarm !== undefined && rssEnd !== undefined) {
    t.diagnostic(
      `server RSS after 200 requests ${(rssWarm / 2 ** 20).toFixed(0)} MB, at the end ${(rssEnd / 2 ** 20).toFixed(0)} MB`,
    );
    assert.ok(rssEnd - rssWarm < 256 * 2 ** 20, "server memory stays bounded");
  }
});
