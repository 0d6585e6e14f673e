// Labs must not outlive their test process: a normal exit, an uncaught error, SIGINT and SIGTERM all run the
// cleanups of the labs still open. SIGKILL cannot be caught; sweepStaleLabs() is for that.

/** Synchronous, because an exit handler cannot wait. */
type Cleanup = () => void;

const cleanups = new Set<Cleanup>();
const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

function runAll(): void {
  for (const cleanup of [...cleanups]) {
    cleanups.delete(cleanup);
    cleanup();
  }
}

function onSignal(signal: NodeJS.Signals): void {
  runAll();
  uninstall();
  // Die of the signal as we would have without a handler, unless someone else handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

let installed = false;

function install(): void {
  if (installed) return;
  installed = true;
  process.on("exit", runAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off("exit", runAll);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** Registers `cleanup` to run at exit or on a signal; call the returned function once it is no longer needed. */
export function onProcessExit(cleanup: Cleanup): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
    if (cleanups.size === 0) uninstall();
  };
}
