// The baseline: a bare node:http server doing the same decode (form parse) and JSON encode as sgplane, nothing else.
// `baseline-server.ts [replies.json]`: replies.json maps an Action to the reply object sgplane gave for it (captured
// by bench/run.ts), so the baseline encodes a reply of the same shape and size; other Actions get a small envelope.
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

const file = process.argv[2];
const replies = new Map<string, unknown>(
  file === undefined ? [] : Object.entries(JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>),
);

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    const params = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const action = params.Action ?? "";
    // Encoded afresh on every request, as sgplane encodes every reply: caching the string would skip the work measured.
    const body = JSON.stringify(replies.get(action) ?? { Action: `${action}Response`, RetCode: 0 });
    res.writeHead(200, {
      "Content-Type": "application/json; charset=utf-8",
      "Content-Length": Buffer.byteLength(body),
      "X-UCloud-Request-UUID": randomUUID(),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 5000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`baseline listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => server.close(() => process.exit(0)));
