import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { nodeHttpFetch } from "./http-fetch.ts";

describe("the agent's node:http fetch", () => {
  let server: http.Server;
  let url: string;
  const sockets = new Set<unknown>();
  let streamCue: (() => void) | undefined;
  before(async () => {
    server = http.createServer((req, res) => {
      sockets.add(req.socket);
      if (req.method === "GET") {
        // A stream: a chunk now, one on the client's cue (its next request's path), never an end.
        res.writeHead(200, { "Content-Type": "text/event-stream" });
        res.write("event: a\ndata: 1\n\n");
        streamCue = () => res.write("event: b\ndata: 2\n\n");
        return;
      }
      let body = "";
      req.on("data", (c: Buffer) => {
        body += c.toString();
      });
      req.on("end", () => {
        if (body === "hang") return; // answers never: the caller's signal must end the call
        res.setHeader("X-UCloud-Request-UUID", "req-1");
        res.statusCode = body === "fail" ? 503 : 200;
        res.end(JSON.stringify({ got: body, type: req.headers["content-type"] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (f: ReturnType<typeof nodeHttpFetch>, body: string, signal = new AbortController().signal) =>
    f(url, { method: "POST", headers: { "Content-Type": "application/x-www-form-urlencoded" }, body, signal });

  it("posts the body with its headers and reads status, headers and text, on one kept-alive socket", async () => {
    const f = nodeHttpFetch();
    try {
      sockets.clear();
      for (const body of ["Action=A&x=%C3%A9", "Action=B"]) {
        const res = await post(f, body);
        assert.equal(res.status, 200);
        assert.equal(res.headers.get("x-ucloud-request-uuid"), "req-1");
        assert.equal(res.headers.get("retry-after"), null);
        assert.deepEqual(JSON.parse(await res.text()), { got: body, type: "application/x-www-form-urlencoded" });
      }
      assert.equal(sockets.size, 1);
      assert.equal((await post(f, "fail")).status, 503);
    } finally {
      f.close();
    }
  });

  it("streams a GET's body chunk by chunk as it arrives; the signal ends it", async () => {
    const f = nodeHttpFetch();
    try {
      const stop = new AbortController();
      const res = await f(url, { method: "GET", headers: { Accept: "text/event-stream" }, signal: stop.signal });
      assert.equal(res.headers.get("content-type"), "text/event-stream");
      const chunks = res.stream?.()[Symbol.asyncIterator]();
      assert.ok(chunks);
      assert.equal((await chunks.next()).value, "event: a\ndata: 1\n\n");
      streamCue?.();
      assert.equal((await chunks.next()).value, "event: b\ndata: 2\n\n");
      const pending = chunks.next();
      stop.abort();
      await assert.rejects(pending);
    } finally {
      f.close();
    }
  });

  it("ends a call when its signal aborts, and refuses one already aborted", async () => {
    const f = nodeHttpFetch();
    try {
      const stop = new AbortController();
      const started = Date.now();
      setTimeout(() => stop.abort(new Error("stopped")), 50);
      await assert.rejects(post(f, "hang", stop.signal), /stopped/);
      assert.ok(Date.now() - started < 2000);
      await assert.rejects(post(f, "x", stop.signal), /stopped/);
    } finally {
      f.close();
    }
  });

  it("fails a call to a closed port as the network error it is", async () => {
    const f = nodeHttpFetch();
    try {
      const closed = http.createServer();
      await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
      const port = (closed.address() as AddressInfo).port;
      await new Promise((resolve) => closed.close(resolve));
      await assert.rejects(
        f(`http://127.0.0.1:${port}/`, { method: "POST", headers: {}, body: "", signal: new AbortController().signal }),
        /ECONNREFUSED/,
      );
    } finally {
      f.close();
    }
  });
});
