// GET /feed: the change feed as Server-Sent Events. The query is a signed DescribeFeedEvents request (so an
// EventSource, which cannot set headers or a body, can follow); each event goes out with its Cursor as the SSE id,
// and a reconnecting client's Last-Event-ID resumes after it. A slow reader gets one page at a time: the next page
// is read only once the socket has drained, so a follower costs the server a page of memory at most.
import type { IncomingMessage, ServerResponse } from "node:http";
import { type ActionInput, ApiError, type feedModels } from "@sgplane/catalogue";
import { viewOf } from "../handlers/account/view.ts";
import type { AccountContext } from "../handlers/context.ts";
import { type ApiRequest, acceptRequest, type Call, type PipelineDeps, recordCall } from "../pipeline.ts";
import { jsonText } from "../protocol/encode-envelope.ts";
import { type Envelope, failureEnvelope, responseAction } from "../protocol/envelope.ts";
import type { FeedFilter } from "../store/port.ts";

/** Events per write. */
const PAGE = 500;
/** A comment line this often keeps proxies and the client's idle timers from closing a quiet stream. */
const KEEPALIVE_MS = 15_000;
/**
 * A reader that has not taken a page within this long is cut off; it resumes with Last-Event-ID. 30 s; the
 * environment variable SGPLANE_FEED_DRAIN_TIMEOUT_MS (100 to 3,600,000) sets it, so tests need not wait 30 s.
 */
const DRAIN_TIMEOUT_MS = drainTimeoutMs(process.env.SGPLANE_FEED_DRAIN_TIMEOUT_MS);

function drainTimeoutMs(text: string | undefined): number {
  if (text === undefined || text === "") return 30_000;
  const ms = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(ms >= 100 && ms <= 3_600_000)) {
    throw new Error(`SGPLANE_FEED_DRAIN_TIMEOUT_MS: expected milliseconds from 100 to 3600000, got "${text}"`);
  }
  return ms;
}

export interface StreamStats {
  open: number;
}

/**
 * A stream's body runs until the connection closes (no chunked encoding, Connection: close): a stream ends only when
 * the server or the client ends it, so there is no connection to reuse, and each write is then one socket write
 * instead of Node's corked chunk (size line, data, CRLF) flushed on the next tick.
 */
function sseHeaders(res: ServerResponse, requestId: string): void {
  res.removeHeader("Transfer-Encoding");
  res.writeHead(200, {
    "Content-Type": "text/event-stream; charset=utf-8",
    "Cache-Control": "no-cache, no-transform",
    Connection: "close",
    "X-Accel-Buffering": "no",
    "X-UCloud-Request-UUID": requestId,
  });
}

/** Filtered-out events reported this often at most (as `progress`: the cursor past them, no event). */
const PROGRESS_MS = 1000;

const progressFrame = (cursor: string, position: number): string =>
  `id: ${cursor}\nevent: progress\ndata: {"Cursor":${JSON.stringify(cursor)},"Position":${position}}\n\n`;

const errorEvent = (envelope: Envelope): string => `event: error\ndata: ${JSON.stringify(envelope)}\n\n`;

/**
 * Each event's SSE message as bytes, made once and shared by every stream that sends it: an event from the hub's
 * memory is one object for all its followers, so a thousand streams encode it once instead of a thousand times.
 */
const frames = new WeakMap<feedModels.FeedEvent, Buffer>();

function frameOf(e: feedModels.FeedEvent): Buffer {
  let frame = frames.get(e);
  if (frame === undefined) {
    frame = Buffer.from(`id: ${e.Cursor}\nevent: ${e.Type}\ndata: ${jsonText(e)}\n\n`);
    frames.set(e, frame);
  }
  return frame;
}

/** A page's messages as one write (one chunk, one syscall). */
function pageBytes(events: readonly feedModels.FeedEvent[]): Buffer | undefined {
  if (events.length === 0) return undefined;
  if (events.length === 1) return frameOf(events[0] as feedModels.FeedEvent);
  return Buffer.concat(events.map(frameOf));
}

/** Resolves true once the socket has drained, false if it closed or did not drain in time. */
function drained(res: ServerResponse): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      clearTimeout(timer);
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    const timer = setTimeout(() => done(false), DRAIN_TIMEOUT_MS);
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
}

export async function streamFeed(
  req: IncomingMessage,
  res: ServerResponse,
  deps: PipelineDeps,
  request: ApiRequest & { requestId: string },
  stats: StreamStats,
): Promise<void> {
  const call: Call = { authenticated: false, recorded: false };
  const abort = new AbortController();
  res.on("close", () => abort.abort());
  let accepted: Awaited<ReturnType<typeof acceptRequest>>;
  let after: number;
  let feed: NonNullable<AccountContext["feed"]>;
  let filter: FeedFilter;
  try {
    accepted = await acceptRequest({ ...request, clientGone: () => abort.signal }, deps, call);
    if (accepted.action !== "DescribeFeedEvents") {
      throw new ApiError("InvalidParams", { name: "Action", reason: "GET /feed streams DescribeFeedEvents only" });
    }
    const ctx = accepted.ctx as AccountContext;
    const input = accepted.input as ActionInput<"DescribeFeedEvents">;
    if (ctx.feed === undefined) throw new ApiError("FeedDisabled", {});
    feed = ctx.feed;
    filter = { ...viewOf(ctx, input.CompanyId), ...(input.Types !== undefined && { types: input.Types }) };
    const lastEventId = req.headers["last-event-id"];
    after = await feed.positionOf(
      typeof lastEventId === "string" && lastEventId !== "" ? lastEventId : input.After,
      typeof lastEventId === "string" && lastEventId !== "" ? "Last-Event-ID" : "After",
    );
  } catch (error) {
    const envelope = failureEnvelope(call.actionText, error);
    recordCall(request, deps, call, envelope);
    if (!(error instanceof ApiError)) deps.onUnexpected?.(error, request.requestId);
    sseHeaders(res, request.requestId);
    res.end(errorEvent(envelope));
    return;
  }
  recordCall(request, deps, call, { Action: responseAction(call.actionText), RetCode: 0 });
  stats.open++;
  let keepalive: NodeJS.Timeout | undefined;
  let unsubscribe: (() => void) | undefined;
  try {
    sseHeaders(res, request.requestId);
    const ready = { Cursor: feed.cursor(after), Head: feed.head };
    res.write(`retry: 1000\nid: ${ready.Cursor}\nevent: ready\ndata: ${JSON.stringify(ready)}\n\n`);
    let lastWrite = Date.now();
    // One wake-up per stream, registered once, for new events, a gone client and the keepalive: a wait per event
    // then costs one promise, not a timer and an abort listener of its own.
    let wake: (() => void) | undefined;
    const wakeUp = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    unsubscribe = feed.subscribe(wakeUp);
    abort.signal.addEventListener("abort", wakeUp, { once: true });
    keepalive = setInterval(wakeUp, KEEPALIVE_MS / 2);
    // The position the client would resume from (its last id), and when it last heard of filtered-out events.
    let known = after;
    let lastProgress = 0;
    while (!abort.signal.aborted && !feed.closed) {
      const page = await feed.read(after, filter, PAGE);
      after = page.next;
      const bytes = pageBytes(page.events);
      known = page.events.at(-1)?.Position ?? known;
      const now = Date.now();
      const quiet = now - lastWrite >= KEEPALIVE_MS;
      // Events the filter left out move the resume point too, so a reconnect neither scans them again nor finds
      // its id behind retention; at most once a second (a reconnect then re-reads at most that much), or instead
      // of a keepalive.
      const progress =
        after > known && (now - lastProgress >= PROGRESS_MS || quiet) ? progressFrame(feed.cursor(after), after) : "";
      if (progress !== "") {
        known = after;
        lastProgress = now;
      }
      let out: Buffer | string | undefined = bytes;
      if (progress !== "") out = out === undefined ? progress : Buffer.concat([out, Buffer.from(progress)]);
      else if (out === undefined && quiet) out = ": keepalive\n\n";
      if (out !== undefined) {
        lastWrite = now;
        if (!res.write(out) && !(await drained(res))) break;
      }
      // Nothing can run between this check and setting wake, so no advance is missed.
      if (page.events.length < PAGE && feed.head <= page.head && !abort.signal.aborted && !feed.closed) {
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
    }
  } catch (error) {
    // Behind retention (58301) or the store went away: say so, then close; the client decides what to do.
    if (!res.destroyed) res.write(errorEvent(failureEnvelope("DescribeFeedEvents", error)));
    if (!(error instanceof ApiError)) deps.onUnexpected?.(error, request.requestId);
  } finally {
    clearInterval(keepalive);
    unsubscribe?.();
    stats.open--;
    if (!res.destroyed) res.end();
  }
}
