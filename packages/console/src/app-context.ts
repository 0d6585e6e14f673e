// What every page shares: the signing API client, the session, the world, and a change counter the live feed bumps.
import { createContext } from "preact";
import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import type { Api } from "./api/client.ts";
import type { FeedEvent } from "./api/feed.ts";
import type { Session } from "./api/session.ts";
import type { World } from "./world.ts";

export interface AppState {
  readonly api: Api;
  readonly session: Session;
  readonly world: World;
  /** Bumped (debounced) after every page of feed events: pages that watch it reload. */
  readonly changes: number;
  readonly recentEvents: readonly FeedEvent[];
  readonly reloadWorld: () => Promise<void>;
}

export const AppContext = createContext<AppState | undefined>(undefined);

export function useApp(): AppState {
  const app = useContext(AppContext);
  if (app === undefined) throw new Error("useApp outside a signed-in page");
  return app;
}

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: unknown;
  readonly loading: boolean;
  /** Loads again; resolves once data at least that new is in state (or the load failed). */
  readonly reload: () => Promise<void>;
}

/** Loads data for a page; reloads when deps change and, with live, after every change the feed reports. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[], live = true): Loaded<T> {
  const { changes } = useApp();
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const [nonce, setNonce] = useState(0);
  const generation = useRef(0);
  const waiting = useRef<(() => void)[]>([]);
  useEffect(() => {
    const mine = ++generation.current;
    setState((s) => ({ ...s, loading: true }));
    // Only the latest load settles the reloads waiting: an older answer may predate the change they wait for.
    const settle = (next: (s: typeof state) => typeof state) => {
      if (mine !== generation.current) return;
      setState(next);
      const resolvers = waiting.current;
      waiting.current = [];
      for (const resolve of resolvers) resolve();
    };
    load().then(
      (data) => settle(() => ({ data, error: undefined, loading: false })),
      (error: unknown) => settle((s) => ({ data: s.data, error, loading: false })),
    );
  }, [...deps, nonce, live ? changes : 0]);
  const reload = useCallback(
    () =>
      new Promise<void>((resolve) => {
        waiting.current.push(resolve);
        setNonce((n) => n + 1);
      }),
    [],
  );
  return { ...state, reload };
}

/** A click this soon after the previous action ended is the second half of a double click, not a new request. */
export const DOUBLE_CLICK_MS = 500;

/**
 * Runs one action at a time: a second click while the call is in flight, or within DOUBLE_CLICK_MS of its answer
 * (a refusal can come back between the two clicks of a double click), does nothing, so a double click never sends
 * twice. The guard is a ref, not state, so two clicks in the same frame cannot both pass it.
 */
export function useSingleFlight(): {
  readonly busy: boolean;
  readonly run: (fn: () => Promise<void>) => Promise<void>;
} {
  const inFlight = useRef(false);
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (fn: () => Promise<void>) => {
    if (inFlight.current) return;
    inFlight.current = true;
    setBusy(true);
    try {
      await fn();
    } finally {
      // Still busy (its buttons disabled) for a moment after the answer, so the second click lands on nothing.
      setTimeout(() => {
        inFlight.current = false;
        setBusy(false);
      }, DOUBLE_CLICK_MS);
    }
  }, []);
  return { busy, run };
}
