// A scripted local HTTP endpoint (127.0.0.1 only) that answers each request with the next scripted reply.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Reply =
  | { readonly retCode: number; readonly message?: string; readonly fields?: Record<string, unknown> }
  | { readonly status: number; readonly headers?: Record<string, string> }
  | { readonly hang: true }
  | { readonly drop: true };

export interface Received {
  readonly contentType: string | undefined;
  readonly params: Record<string, unknown>;
  readonly at: number;
}

export interface FakeGateway {
  readonly url: string;
  /** Requests seen so far, decoded (form or JSON). */
  readonly received: Received[];
  /** Replies for the next requests; when exhausted, the last one repeats. */
  script(...replies: Reply[]): void;
  close(): Promise<void>;
}

export async function startFakeGateway(): Promise<FakeGateway> {
  const received: Received[] = [];
  let replies: Reply[] = [{ retCode: 0 }];
  const hanging = new Set<ServerResponse>();
  const server = createServer(async (req, res) => {
    const text = await readBody(req);
    const contentType = req.headers["content-type"];
    const params = contentType?.includes("json")
      ? (JSON.parse(text) as Record<string, unknown>)
      : Object.fromEntries(new URLSearchParams(text));
    received.push({ contentType, params, at: Date.now() });
    const reply = (replies.length > 1 ? replies.shift() : replies[0]) ?? { retCode: 0 };
    if ("hang" in reply) {
      hanging.add(res);
      return;
    }
    if ("drop" in reply) {
      req.socket.destroy();
      return;
    }
    const headers = { "Content-Type": "application/json", "X-UCloud-Request-UUID": `req-${received.length}` };
    if ("status" in reply) {
      res.writeHead(reply.status, { ...headers, ...reply.headers }).end("{}");
      return;
    }
    const action = `${String(params.Action)}Response`;
    const envelope = { Action: action, RetCode: reply.retCode, ...(reply.message && { Message: reply.message }) };
    res.writeHead(200, headers).end(JSON.stringify({ ...envelope, ...reply.fields }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    received,
    script(...next) {
      replies = next;
      received.length = 0;
    },
    async close() {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}
