// One per server: the feed's recent events in memory (read from the store once, shared by every follower) and the
// followers waiting for what comes next. Followers read pages (long-poll and SSE alike); a page from memory costs
// no query, a page older than memory is read from the store, and one older than retention is refused (58301).
import { ApiError, type feedModels, formatCursor, parseCursor } from "@sgplane/catalogue";
import { visible } from "../store/feed-filter.ts";
import type { FeedEventRow, FeedFilter, Store } from "../store/port.ts";
import { wireEvent } from "./wire-event.ts";

export interface FeedPage {
  readonly events: readonly feedModels.FeedEvent[];
  /** Resume after this position: the last event's when the page is full, else everything examined. */
  readonly next: number;
  readonly head: number;
}

interface Entry {
  readonly row: FeedEventRow;
  readonly wire: feedModels.FeedEvent;
}

interface Waiter {
  readonly above: number;
  readonly resolve: () => void;
}

export interface FeedHubOptions {
  /** Events kept in memory (default 10,000). */
  readonly memoryEvents?: number;
  readonly onError?: (error: unknown) => void;
}

/** Events read from the store per query while catching up. */
const PULL = 2000;
/** A check of the store's head this often, besides every wake-up (another process on one SQLite file). */
const CHECK_MS = 1000;

export class FeedHub {
  readonly #store: Store;
  readonly #memory: number;
  readonly #onError: (error: unknown) => void;
  readonly #feedId: string;
  /** Ascending positions; every event with a position in (#from, #head] is here. */
  #entries: Entry[] = [];
  #from: number;
  #head: number;
  readonly #waiters = new Set<Waiter>();
  #pulling: Promise<void> | undefined;
  #again = false;
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #subscribers = new Set<() => void>();
  /** Something may have committed since the last read began: a reader looks first (read-your-writes). */
  #stale = false;
  /**
   * The store's floor as last read: retention removed every event up to it. A cursor below it is refused even while
   * memory still holds its events, so a follower hears 58301 here just as from a server that never read them.
   */
  #floor = 0;

  private constructor(store: Store, feedId: string, head: number, options: FeedHubOptions) {
    this.#store = store;
    this.#feedId = feedId;
    this.#from = head;
    this.#head = head;
    this.#memory = options.memoryEvents ?? 10_000;
    this.#onError = options.onError ?? (() => {});
  }

  static async start(store: Store, options: FeedHubOptions = {}): Promise<FeedHub> {
    const info = await store.read((tx) => tx.feedInfo());
    const hub = new FeedHub(store, info.feedId, info.head, options);
    hub.#unsubscribe = store.onFeedAdvance(() => {
      hub.#stale = true;
      hub.#pull(false);
    });
    hub.#timer = setInterval(() => hub.#pull(false), CHECK_MS);
    hub.#timer.unref();
    return hub;
  }

  get feedId(): string {
    return this.#feedId;
  }

  get head(): number {
    return this.#head;
  }

  /** The server is stopping: followers should finish what they are doing and go. */
  get closed(): boolean {
    return this.#closed;
  }

  cursor(position: number): string {
    return formatCursor(this.#feedId, position);
  }

  /** The position a cursor names (undefined: the current head); 230 naming `name` for a malformed or foreign one. */
  async positionOf(cursor: string | undefined, name = "After"): Promise<number> {
    if (cursor === undefined) {
      await this.catchUp();
      return this.#head;
    }
    const parsed = parseCursor(cursor);
    if (parsed === undefined) throw new ApiError("InvalidParams", { name, reason: "not a feed cursor" });
    if (parsed.feedId !== this.#feedId) {
      throw new ApiError("InvalidParams", {
        name,
        reason: `a cursor of another feed (${parsed.feedId}); this server's feed is ${this.#feedId}: take a snapshot`,
      });
    }
    if (parsed.position > this.#head) await this.catchUp();
    if (parsed.position > this.#head) {
      throw new ApiError("InvalidParams", {
        name,
        reason: `position ${parsed.position} is ahead of this feed's head ${this.#head}: take a snapshot`,
      });
    }
    return parsed.position;
  }

  /** Up to `limit` events after `after` that the filter lets through. */
  async read(after: number, filter: FeedFilter, limit: number): Promise<FeedPage> {
    // A commit since the last read (or a position another server has already handed out): catch up to it first.
    if (this.#stale || after > this.#head) await this.catchUp();
    if (after >= this.#from) {
      if (after < this.#floor) throw this.#expired(after, this.#floor);
      return this.#fromMemory(after, filter, limit);
    }
    return this.#fromStore(after, filter, limit);
  }

  /** Resolves once the head is past `above`, or after ms, or when signal aborts; never rejects. */
  waitPast(above: number, ms: number, signal?: AbortSignal): Promise<void> {
    if (this.#head > above || ms <= 0 || signal?.aborted === true || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", done);
        this.#waiters.delete(waiter);
        resolve();
      };
      const waiter: Waiter = { above, resolve: done };
      const timer = setTimeout(done, ms);
      signal?.addEventListener("abort", done, { once: true });
      this.#waiters.add(waiter);
    });
  }

  /**
   * Calls `onAdvance` whenever the head moves (and once when the hub closes) until unsubscribed: a stream's one
   * registration, where a wait per event would cost a timer and an abort listener each (with a thousand streams,
   * most of the server's time between the socket writes).
   */
  subscribe(onAdvance: () => void): () => void {
    this.#subscribers.add(onAdvance);
    return () => this.#subscribers.delete(onAdvance);
  }

  /** Reads whatever the store has beyond the head now, this process's own commits included. */
  async catchUp(): Promise<void> {
    await this.#store.feedSettled();
    this.#pull(true);
    await this.#pulling;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearInterval(this.#timer);
    for (const w of [...this.#waiters]) w.resolve();
    for (const s of [...this.#subscribers]) s();
    await this.#pulling;
  }

  #fromMemory(after: number, filter: FeedFilter, limit: number): FeedPage {
    const events: feedModels.FeedEvent[] = [];
    const entries = this.#entries;
    for (let i = firstAfter(entries, after); i < entries.length && events.length < limit; i++) {
      const entry = entries[i] as Entry;
      if (visible(entry.row, filter)) events.push(entry.wire);
    }
    const last = events[events.length - 1];
    const next = events.length === limit && last !== undefined ? last.Position : Math.max(after, this.#head);
    return { events, next, head: this.#head };
  }

  async #fromStore(after: number, filter: FeedFilter, limit: number): Promise<FeedPage> {
    return this.#store.read(async (tx) => {
      const info = await tx.feedInfo();
      this.#floor = Math.max(this.#floor, info.floor);
      if (after < info.floor) throw this.#expired(after, info.floor);
      const page = await tx.feedEvents(after, filter, limit);
      return { events: page.events.map((r) => wireEvent(this.#feedId, r)), next: page.through, head: info.head };
    });
  }

  /**
   * Reads new events into memory (one read at a time; a wake-up during one runs another after it). Only when someone
   * waits for them (or `force`: a reader asks): a server nobody follows reads nothing, it only notes it is behind.
   */
  #pull(force: boolean): void {
    if (!force && this.#waiters.size === 0 && this.#subscribers.size === 0) return;
    if (this.#pulling !== undefined) {
      this.#again = true;
      return;
    }
    this.#pulling = (async () => {
      try {
        do {
          this.#again = false;
          await this.#pullOnce();
        } while (this.#again);
      } catch (error) {
        this.#onError(error);
      } finally {
        this.#pulling = undefined;
      }
    })();
  }

  async #pullOnce(): Promise<void> {
    this.#stale = false;
    for (;;) {
      const { floor, page } = await this.#store.read(async (tx) => ({
        floor: (await tx.feedInfo()).floor,
        page: await tx.feedEvents(this.#head, {}, PULL),
      }));
      const { events: rows, through } = page;
      this.#floor = Math.max(this.#floor, floor);
      if (floor > this.#head) {
        // Retention removed events this server never read: memory cannot go on from its head without a gap, so it
        // starts again at the floor (older cursors go to the store, which refuses them).
        this.#entries = [];
        this.#from = floor;
        this.#head = floor;
      }
      if (rows.length === PULL && this.#waiters.size === 0 && this.#subscribers.size === 0) {
        // Far behind and nobody waiting: skip to the head instead of reading it all; older pages come from the store.
        const { head } = await this.#store.read((tx) => tx.feedInfo());
        this.#entries = [];
        this.#from = head;
        this.#head = head;
        return;
      }
      for (const row of rows) {
        if (row.position <= this.#head) continue;
        this.#entries.push({ row, wire: wireEvent(this.#feedId, row) });
      }
      if (through > this.#head) this.#head = through;
      if (this.#entries.length > this.#memory) {
        const dropped = this.#entries.splice(0, this.#entries.length - this.#memory);
        this.#from = dropped[dropped.length - 1]?.row.position ?? this.#from;
      }
      if (rows.length > 0) this.#wake();
      if (rows.length < PULL) return;
    }
  }

  #expired(after: number, floor: number): ApiError {
    return new ApiError("FeedCursorExpired", { cursor: formatCursor(this.#feedId, after), floor });
  }

  #wake(): void {
    for (const s of this.#subscribers) s();
    for (const w of [...this.#waiters]) if (this.#head > w.above) w.resolve();
  }
}

/** Index of the first entry with a position above `after` (entries ascend). */
function firstAfter(entries: readonly Entry[], after: number): number {
  let lo = 0;
  let hi = entries.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((entries[mid] as Entry).row.position <= after) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
