// Commit → delivery latency of the change feed: many SSE followers (GET /feed) and a paced writer, all in this
// process. A follower's latency for an event is the time it parsed the event minus the event's commit Time (both
// from this machine's clock, millisecond resolution), so it includes this process's own turn at 1,000 sockets.
import { Agent, type IncomingMessage, request } from "node:http";
import { quantile } from "./stats.ts";

export interface Follower {
  /** Positions received, in order. */
  readonly positions: number[];
  readonly close: () => void;
}

export interface FollowerPool {
  readonly followers: readonly Follower[];
  /** Latencies in ms of every event delivered with a position in (from, to]. */
  readonly latencies: number[];
  from: number;
  to: number;
  /** Resolves once every follower has received an event at or above this position. */
  reached(position: number, timeoutMs: number): Promise<void>;
  close(): void;
}

const TIME = /"Time":(\d+)/;
const POSITION = /"Position":(\d+)/;

/** Opens `count` SSE streams, spread over the urls, each at `${url}/feed?${query}`; resolves once all are ready. */
export async function openFollowers(urls: readonly string[], query: string, count: number): Promise<FollowerPool> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const latencies: number[] = [];
  const waiters = new Set<() => void>();
  const pool: FollowerPool = {
    followers: [],
    latencies,
    from: Number.POSITIVE_INFINITY,
    to: Number.POSITIVE_INFINITY,
    reached(position, timeoutMs) {
      const done = () => pool.followers.every((f) => (f.positions.at(-1) ?? 0) >= position);
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          const behind = pool.followers.filter((f) => (f.positions.at(-1) ?? 0) < position).length;
          reject(new Error(`delivery: ${behind} followers did not reach position ${position} in ${timeoutMs} ms`));
        }, timeoutMs);
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          waiters.delete(check);
          resolve();
        };
        waiters.add(check);
      });
    },
    close() {
      for (const f of pool.followers) f.close();
      agent.destroy();
    },
  };
  const opened = Array.from({ length: count }, (_, i) =>
    openOne(
      `${urls[i % urls.length]}/feed?${query}`,
      agent,
      (data) => {
        const now = Date.now();
        const position = Number(POSITION.exec(data)?.[1] ?? 0);
        if (position > pool.from && position <= pool.to) latencies.push(now - Number(TIME.exec(data)?.[1] ?? now));
        return position;
      },
      () => {
        for (const w of waiters) w();
      },
    ),
  );
  (pool.followers as Follower[]).push(...(await Promise.all(opened)));
  return pool;
}

function openOne(
  url: string,
  agent: Agent,
  onEvent: (data: string) => number,
  afterEvent: () => void,
): Promise<Follower> {
  return new Promise((resolve, reject) => {
    const positions: number[] = [];
    let res: IncomingMessage | undefined;
    const req = request(url, { agent, headers: { accept: "text/event-stream" } }, (r) => {
      res = r;
      if (r.statusCode !== 200) {
        reject(new Error(`GET /feed: HTTP ${r.statusCode}`));
        return;
      }
      r.setEncoding("utf8");
      let buffer = "";
      r.on("data", (chunk: string) => {
        buffer += chunk;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          end = buffer.indexOf("\n\n");
          if (block.includes("event: ready")) {
            resolve({ positions, close: () => req.destroy() });
          } else if (block.includes("event: error")) {
            reject(new Error(`GET /feed: ${block}`));
          } else if (block.startsWith("id: ")) {
            const data = block.slice(block.indexOf("data: ") + 6);
            positions.push(onEvent(data));
            afterEvent();
          }
        }
      });
    });
    req.on("error", (e) => (res === undefined ? reject(e) : undefined));
    req.end();
  });
}

export interface PacedResult {
  readonly sent: number;
  readonly failed: number;
}

/** Sends bodies (cycled) to the urls (round robin) at `perSecond`, one request in flight per url at most. */
export async function pacedWrites(
  urls: readonly string[],
  bodies: readonly (readonly string[])[],
  perSecond: number,
  seconds: number,
): Promise<PacedResult> {
  const agent = new Agent({ keepAlive: true });
  const post = (url: string, body: string) =>
    new Promise<boolean>((resolve) => {
      const req = request(
        url,
        {
          method: "POST",
          agent,
          headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          let text = "";
          res.setEncoding("utf8");
          res.on("data", (c: string) => {
            text += c;
          });
          res.on("end", () => resolve(text.includes('"RetCode":0')));
        },
      );
      req.on("error", () => resolve(false));
      req.end(body);
    });
  const start = performance.now();
  const total = Math.round(perSecond * seconds);
  const cursors = urls.map(() => 0);
  let sent = 0;
  let failed = 0;
  const inFlight: Promise<void>[] = [];
  for (let n = 0; n < total; n++) {
    const due = start + (n * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const k = n % urls.length;
    const list = bodies[k] ?? [];
    const body = list[(cursors[k] ?? 0) % list.length] ?? "";
    cursors[k] = (cursors[k] ?? 0) + 1;
    await inFlight[k];
    inFlight[k] = post(urls[k] ?? "", body).then((ok) => {
      sent++;
      if (!ok) failed++;
    });
  }
  await Promise.all(inFlight);
  agent.destroy();
  return { sent, failed };
}

/** The feed's head as the servers report it (DescribeFeedEvents' Head): the largest covers every commit. */
export async function feedHead(urls: readonly string[], body: string): Promise<number> {
  const heads = await Promise.all(
    urls.map(async (url) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body,
      });
      const json = (await res.json()) as { RetCode: number; Head?: number; Message?: string };
      if (json.RetCode !== 0) throw new Error(`DescribeFeedEvents: ${json.RetCode} ${json.Message}`);
      return json.Head ?? 0;
    }),
  );
  return Math.max(...heads);
}

export interface DeliveryFigures {
  readonly deliveries: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export function deliveryFigures(latencies: readonly number[]): DeliveryFigures {
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    deliveries: sorted.length,
    p50: quantile(sorted, 0.5),
    p99: quantile(sorted, 0.99),
    max: sorted.at(-1) ?? 0,
  };
}
