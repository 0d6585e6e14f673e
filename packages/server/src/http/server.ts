// The only module that knows HTTP: API on POST/GET of any path, /healthz, /metrics, /console, body limit, timeouts.
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { ApiError } from "@sgplane/catalogue";
import type { Logger } from "pino";
import { type ApiOutcome, type ApiRequest, handleApiRequest, type PipelineDeps, refuseRequest } from "../pipeline.ts";
import { encodeEnvelope } from "../protocol/encode-envelope.ts";
import { type Envelope, failureEnvelope } from "../protocol/envelope.ts";
import { sniffAction } from "../protocol/parse-request.ts";
import { CONSOLE_PREFIX, type ConsoleHandler } from "./console.ts";
import { type StreamStats, streamFeed } from "./feed-stream.ts";
import type { Metrics } from "./metrics.ts";

export interface HttpLimits {
  readonly bodyLimitBytes: number;
  /** Beyond this much body we stop draining and drop the connection. */
  readonly drainLimitBytes: number;
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  bodyLimitBytes: 1024 * 1024,
  drainLimitBytes: 64 * 1024 * 1024,
  headersTimeoutMs: 10_000,
  requestTimeoutMs: 30_000,
  keepAliveTimeoutMs: 5_000,
};

export interface HttpDeps extends PipelineDeps {
  readonly logger: Logger;
  readonly metrics: Metrics;
  readonly limits: HttpLimits;
  /** Open GET /feed streams (a gauge). */
  readonly streams?: StreamStats;
  /** GET/HEAD /console…: the web console's files (absent: /console is an API path like any other). */
  readonly console?: ConsoleHandler;
}

/** How much of the start and the end of an oversized body is kept to find the Action it names. */
const SNIFF_BYTES = 8192;

type BodyResult = { ok: true; body: string } | { ok: false; tooLarge: boolean; edges?: string };

function readBody(req: IncomingMessage, limits: HttpLimits): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    // Of an oversized body only its first and last bytes are kept: where SDKs put the Action (JS first, Python last).
    let head = Buffer.alloc(0);
    let tail = Buffer.alloc(0);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.drainLimitBytes) {
        req.destroy();
        return;
      }
      if (size > limits.bodyLimitBytes && !tooLarge) {
        tooLarge = true;
        const all = Buffer.concat(chunks);
        head = all.subarray(0, SNIFF_BYTES);
        tail = all.subarray(Math.max(SNIFF_BYTES, all.length - SNIFF_BYTES));
        chunks.length = 0;
      }
      if (!tooLarge) chunks.push(chunk);
      else tail = Buffer.concat([tail, chunk]).subarray(-SNIFF_BYTES);
    });
    req.on("end", () =>
      resolve(
        tooLarge
          ? { ok: false, tooLarge, edges: `${head.toString("utf8")}&${tail.toString("utf8")}` }
          : { ok: true, body: Buffer.concat(chunks).toString("utf8") },
      ),
    );
    req.on("error", () => resolve({ ok: false, tooLarge: false }));
    req.on("close", () => resolve({ ok: false, tooLarge }));
  });
}

function send(
  res: ServerResponse,
  status: number,
  body: string,
  requestId: string,
  contentType = "application/json; charset=utf-8",
) {
  res.writeHead(status, {
    "Content-Type": contentType,
    "Content-Length": Buffer.byteLength(body),
    "X-UCloud-Request-UUID": requestId,
  });
  res.end(body);
}

/** What the pipeline knows of a request besides its parameters. */
function apiRequest(req: IncomingMessage, requestId: string, query: string, body: string): ApiRequest {
  const agent = req.headers["user-agent"];
  return {
    query,
    contentType: req.headers["content-type"] ?? "",
    body,
    requestId,
    sourceIp: req.socket.remoteAddress ?? "",
    userAgent: typeof agent === "string" ? agent : "",
  };
}

async function handleApi(req: IncomingMessage, res: ServerResponse, deps: HttpDeps, requestId: string, query: string) {
  const started = process.hrtime.bigint();
  const read = await readBody(req, deps.limits);
  let outcome: ApiOutcome;
  if (read.ok) {
    let abort: AbortController | undefined;
    const clientGone = () => {
      if (abort === undefined) {
        const made = new AbortController();
        abort = made;
        if (res.destroyed || res.writableFinished) made.abort();
        else res.once("close", () => made.abort());
      }
      return abort.signal;
    };
    outcome = await handleApiRequest({ ...apiRequest(req, requestId, query, read.body), clientGone }, deps);
  } else if (read.tooLarge) {
    const error = new ApiError("InvalidParams", {
      name: "body",
      reason: `larger than ${deps.limits.bodyLimitBytes} bytes`,
    });
    const contentType = req.headers["content-type"] ?? "";
    const action = sniffAction(query, contentType, read.edges ?? "");
    outcome = refuseRequest(apiRequest(req, requestId, query, ""), deps, action, error);
  } else {
    return; // the client went away
  }
  const envelope: Envelope = outcome.envelope;
  if (res.destroyed) return;
  send(res, 200, encodeEnvelope(envelope), requestId);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  deps.metrics.observe(outcome.action ?? "unknown", envelope.RetCode, seconds);
  const line = {
    requestId,
    action: outcome.action ?? "unknown",
    retCode: envelope.RetCode,
    publicKey: outcome.publicKey,
    ms: Math.round(seconds * 1e6) / 1e3,
  };
  if (outcome.unexpected !== undefined) deps.logger.error({ ...line, err: outcome.unexpected }, "unexpected failure");
  else deps.logger.info(line, "request");
}

async function handleHealth(res: ServerResponse, deps: HttpDeps, requestId: string) {
  try {
    await deps.store.ping();
    send(res, 200, JSON.stringify({ status: "ok", engine: deps.store.engine }), requestId);
  } catch (error) {
    deps.logger.error({ requestId, err: error }, "health check failed");
    send(res, 503, JSON.stringify({ status: "unavailable" }), requestId);
  }
}

/** Path and raw query of a request target; origin-form ("/path?query") is split by hand, not parsed as a URL. */
export function splitTarget(target: string): { pathname: string; query: string } {
  if (!target.startsWith("/")) {
    const url = new URL(target, "http://localhost");
    return { pathname: url.pathname, query: url.search.slice(1) };
  }
  const end = target.indexOf("#");
  const bare = end === -1 ? target : target.slice(0, end);
  const mark = bare.indexOf("?");
  return mark === -1 ? { pathname: bare, query: "" } : { pathname: bare.slice(0, mark), query: bare.slice(mark + 1) };
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps) {
  const requestId = randomUUID();
  const { pathname, query } = splitTarget(req.url ?? "/");
  if (req.method === "GET" && pathname === "/healthz") return handleHealth(res, deps, requestId);
  if (req.method === "GET" && pathname === "/feed") {
    return streamFeed(
      req,
      res,
      deps,
      { ...apiRequest(req, requestId, query, ""), requestId },
      deps.streams ?? { open: 0 },
    );
  }
  if (
    deps.console !== undefined &&
    (pathname === CONSOLE_PREFIX || pathname.startsWith(`${CONSOLE_PREFIX}/`)) &&
    (req.method === "GET" || req.method === "HEAD")
  ) {
    return deps.console(req, res, pathname);
  }
  if (req.method === "GET" && pathname === "/metrics") {
    return send(res, 200, await deps.metrics.registry.metrics(), requestId, deps.metrics.registry.contentType);
  }
  if (req.method !== "POST" && req.method !== "GET") {
    res.setHeader("Allow", "GET, POST");
    return send(res, 405, JSON.stringify({ error: "method not allowed" }), requestId);
  }
  return handleApi(req, res, deps, requestId, query);
}

/**
 * Node checks headersTimeout/requestTimeout on a timer (default every 30 s, so a 10 s limit could fire 40 s late);
 * check at a quarter of the shortest timeout, between 50 ms and 1 s.
 */
function checkingIntervalMs(limits: HttpLimits): number {
  return Math.max(50, Math.min(1000, Math.floor(Math.min(limits.headersTimeoutMs, limits.requestTimeoutMs) / 4)));
}

export function createHttpServer(deps: HttpDeps): Server {
  const server = createServer({ connectionsCheckingInterval: checkingIntervalMs(deps.limits) }, (req, res) => {
    // Stopping (close() was called): end each connection after its answer. Otherwise a client that asks again at
    // once (a feed follower) keeps its keep-alive connection busy forever and close() never completes.
    if (!server.listening) res.shouldKeepAlive = false;
    route(req, res, deps).catch((error: unknown) => {
      deps.logger.error({ err: error }, "request failed outside the pipeline");
      if (!res.headersSent) send(res, 200, JSON.stringify(failureEnvelope(undefined, error)), randomUUID());
    });
  });
  server.headersTimeout = deps.limits.headersTimeoutMs;
  server.requestTimeout = deps.limits.requestTimeoutMs;
  server.keepAliveTimeout = deps.limits.keepAliveTimeoutMs;
  return server;
}
