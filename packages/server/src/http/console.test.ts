// /console/: the built files with a strict CSP, SPA fallback, precompressed variants, GET/HEAD only.
import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { brotliCompressSync } from "node:zlib";
import { CONSOLE_CSP, createConsoleHandler, resolveConsole } from "./console.ts";

describe("console route", () => {
  let dir: string;
  let server: Server;
  let base: string;
  const script = "console.log('hello from the console');".repeat(20);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-console-route-"));
    await mkdir(join(dir, "assets"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>console</title>");
    await writeFile(join(dir, "assets", "index-abc123.js"), script);
    await writeFile(join(dir, "assets", "index-abc123.js.br"), brotliCompressSync(script));
    const handler = createConsoleHandler({ dir });
    server = createServer((req, res) => handler(req, res, (req.url ?? "/").split("?")[0] as string));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  it("serves index.html at /console/ with the Content-Security-Policy, and redirects /console", async () => {
    const res = await fetch(`${base}/console/`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(res.headers.get("content-security-policy"), CONSOLE_CSP);
    assert.match(CONSOLE_CSP, /script-src 'self'/);
    assert.doesNotMatch(CONSOLE_CSP, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get("cache-control"), "no-cache");
    assert.equal(await res.text(), "<!doctype html><title>console</title>");
    const bare = await fetch(`${base}/console`, { redirect: "manual" });
    assert.equal(bare.status, 308);
    assert.equal(bare.headers.get("location"), "/console/");
  });

  it("falls back to index.html for a path that names no file, but not for a missing asset", async () => {
    const deep = await fetch(`${base}/console/groups/secgroup-x`);
    assert.equal(deep.status, 200);
    assert.equal(await deep.text(), "<!doctype html><title>console</title>");
    const missing = await fetch(`${base}/console/assets/nope.js`);
    assert.equal(missing.status, 404);
    assert.equal(missing.headers.get("content-security-policy"), CONSOLE_CSP);
  });

  it("sends the brotli file to a client that takes br, the plain one otherwise; assets are immutable", async () => {
    const br = await fetch(`${base}/console/assets/index-abc123.js`, { headers: { "Accept-Encoding": "br" } });
    assert.equal(br.headers.get("content-encoding"), "br");
    assert.equal(await br.text(), script); // fetch decodes it
    assert.match(br.headers.get("cache-control") ?? "", /immutable/);
    const plain = await fetch(`${base}/console/assets/index-abc123.js`, { headers: { "Accept-Encoding": "identity" } });
    assert.equal(plain.headers.get("content-encoding"), null);
    assert.equal(Number(plain.headers.get("content-length")), script.length);
  });

  it("answers HEAD without a body and refuses other methods", async () => {
    const head = await fetch(`${base}/console/`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), "");
    const post = await fetch(`${base}/console/`, { method: "POST", body: "x" });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get("allow"), "GET, HEAD");
  });

  it("a DIR without index.html is refused at start; off and an unbuilt auto answer 404 saying why", async () => {
    assert.throws(() => resolveConsole({ dir: join(dir, "assets") }), /--console .*: no index\.html there/);
    assert.deepEqual(resolveConsole("off"), { missing: "the console is switched off (--console off)" });
  });
});
