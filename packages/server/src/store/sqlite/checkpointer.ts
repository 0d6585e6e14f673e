// WAL checkpoints on a thread of their own. A checkpoint copies the WAL's pages into the database file and fsyncs
// it; run by the writer (SQLite's wal_autocheckpoint) it blocks the event loop for that long — on this kind of disk
// tens to hundreds of ms, every 4 MiB of WAL, which is what the client p99 of a write-heavy load showed (244 ms
// against 31 ms once the audit trail tripled the bytes written). A PASSIVE checkpoint from another connection
// never blocks the writer or a reader: it copies what no reader still needs, and the writer restarts the WAL from
// its start on its next commit once everything is copied.
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/** How often the thread checkpoints: often enough that the WAL stays within one wal-index hash table (4,096 frames) under load, where page lookups stay cheap. */
const EVERY_MS = 100;

// CommonJS, evaluated as the worker's script: the production bundle has no file for it to load, and better-sqlite3
// is a native module both threads load from node_modules.
const WORKER = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.module);
const db = new Database(workerData.path, { timeout: workerData.timeoutMs });
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch (e) {
    parentPort.postMessage({ error: String(e && e.message || e) });
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ stopped: true });
});
`;

export interface Checkpointer {
  stop(): Promise<void>;
}

/**
 * Starts checkpointing `path` from a worker thread. `fallback` runs if the thread fails, so that the caller can hand
 * checkpoints back to the writer (a WAL nobody checkpoints grows without bound).
 */
export function startCheckpointer(
  path: string,
  fallback: (error: unknown) => void,
  timeoutMs = 5000,
  everyMs = EVERY_MS,
): Checkpointer {
  const module = createRequire(import.meta.url).resolve("better-sqlite3");
  const worker = new Worker(WORKER, { eval: true, workerData: { module, path, timeoutMs, everyMs } });
  worker.unref();
  let failed = false;
  const fail = (error: unknown) => {
    if (failed) return;
    failed = true;
    void worker.terminate();
    fallback(error);
  };
  worker.on("error", fail);
  worker.on("message", (m: { error?: string }) => {
    if (m.error !== undefined) fail(new Error(`WAL checkpoint: ${m.error}`));
  });
  worker.on("exit", (code) => {
    if (code !== 0) fail(new Error(`the WAL checkpoint thread exited with ${code}`));
  });
  return {
    async stop() {
      if (failed) {
        await worker.terminate();
        return;
      }
      const stopped = new Promise<void>((resolve) => {
        worker.once("message", () => resolve());
        worker.once("exit", () => resolve());
      });
      worker.postMessage("stop");
      await stopped;
      await worker.terminate();
    },
  };
}
