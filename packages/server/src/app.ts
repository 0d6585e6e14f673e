// Builds a running sgplane from a config: store (migrated), seed, operator keys, HTTP server; and stops it.
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { type Logger, pino } from "pino";
import { AuditRecorder } from "./audit/audit-recorder.ts";
import { PrincipalCache } from "./auth/principal-cache.ts";
import { TokenBuckets } from "./auth/rate-limit.ts";
import type { ServeConfig } from "./config.ts";
import { FeedHub } from "./feed/hub.ts";
import { startRetention } from "./feed/retention.ts";
import { handlerTable } from "./handlers/table.ts";
import { ConsoleDirError, createConsoleHandler } from "./http/console.ts";
import { createMetrics } from "./http/metrics.ts";
import { createHttpServer, DEFAULT_LIMITS } from "./http/server.ts";
import { randomIds, systemClock } from "./ids.ts";
import { loadSeed } from "./seed/load-seed.ts";
import { SeedError, validateSeed } from "./seed/validate-seed.ts";
import { openStore } from "./store/open.ts";
import type { Store } from "./store/port.ts";

export interface RunningApp {
  readonly url: string;
  readonly store: Store;
  readonly logger: Logger;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

async function readSeed(path: string) {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new StartupError(`--seed ${path}: cannot read (${(error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new StartupError(`--seed ${path}: not valid JSON (${(error as Error).message})`);
  }
  try {
    return validateSeed(json);
  } catch (error) {
    if (error instanceof SeedError) throw new StartupError(`--seed ${path}: invalid at ${error.message}`);
    throw error;
  }
}

export async function startApp(
  config: ServeConfig,
  logger: Logger = pino({ level: config.logLevel }),
): Promise<RunningApp> {
  let consoleHandler: ReturnType<typeof createConsoleHandler>;
  try {
    consoleHandler = createConsoleHandler(config.console);
  } catch (error) {
    if (error instanceof ConsoleDirError) throw new StartupError(error.message);
    throw error;
  }
  // Validate the seed before touching the database, so an invalid seed loads nothing.
  const seedFile = config.seed === undefined ? undefined : await readSeed(config.seed);
  let store: Store;
  try {
    store = await openStore(config.db, { feed: config.feed });
  } catch (error) {
    // Unreachable database, bad URL option, failed migration: one line naming the flag, not a stack trace.
    throw new StartupError(`--db: ${(error as Error).message}`);
  }
  let feed: FeedHub | undefined;
  try {
    // Not an API call: its feed events name the action "Startup", and it has no audit record.
    await store.write(
      async (tx) => {
        if (seedFile !== undefined) await loadSeed(tx, seedFile, randomIds, systemClock.nowSeconds());
        for (const k of config.operatorKeys) await tx.upsertOperatorKey(k.publicKey, k.privateKey);
      },
      { requestId: randomUUID(), action: "Startup" },
    );
    if (config.feed) {
      feed = await FeedHub.start(store, { onError: (err) => logger.error({ err }, "feed: reading new events failed") });
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const recorder = config.audit
    ? new AuditRecorder(store, {
        onError: (err, dropped) => logger.error({ err, dropped }, "audit: writing a batch of records failed"),
      })
    : undefined;
  const stopRetention = startRetention(store, {
    feedMs: config.feedRetentionMs,
    auditMs: config.auditRetentionMs,
    clientTokenMs: config.clientTokenTtlMs,
    onError: (err) => logger.error({ err }, "retention: pruning failed"),
  });
  const streams = { open: 0 };
  const server = createHttpServer({
    store,
    principals: new PrincipalCache(store),
    handlers: handlerTable,
    clock: systemClock,
    ids: randomIds,
    logger,
    metrics: createMetrics({
      feedHead: () => feed?.head ?? 0,
      feedStreams: () => streams.open,
      auditDropped: () => recorder?.dropped ?? 0,
    }),
    ...(feed !== undefined && { feed }),
    audit: { recorder, reads: config.auditReads },
    serviceNetworks: config.serviceNetworks,
    clientTokenTtlMs: config.clientTokenTtlMs,
    streams,
    console: consoleHandler,
    onUnexpected: (err, requestId) => logger.error({ err, requestId }, "unexpected failure"),
    limits: {
      ...DEFAULT_LIMITS,
      bodyLimitBytes: config.bodyLimitBytes,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    },
    inputLimits: { maxParams: config.maxParams, maxItems: config.maxItems, maxValueLength: config.maxValueLength },
    ...(config.rateLimit > 0 && { rateLimiter: new TokenBuckets(config.rateLimit, config.rateBurst) }),
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return {
    url: `http://${host}:${port}`,
    store,
    logger,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Long-polls answer and streams end, so their connections go idle and close.
      await feed?.close();
      server.closeIdleConnections();
      await closed;
      // A clean stop loses no audit record: what is queued is written before the store closes.
      await recorder?.flush();
      await stopRetention();
      await store.close();
    },
  };
}
