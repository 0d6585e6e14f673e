// The agent: a snapshot (or its saved state), then the feed; every change folded into the world and applied to the
// host as one nft transaction of what changed. A burst of events becomes one apply (events that arrive while one
// is running wait for the next). A table changed or flushed by hand is found by the drift check and made again.
// Stopping leaves the rules in place: a stopped or crashed agent never opens the host.
import { type EventType, parseCursor } from "@sgplane/catalogue";
import { FeedCursorExpiredError, FeedFollower, type SgplaneClient, sleep, TransportError } from "@sgplane/sdk";
import type { Logger } from "pino";
import type { AgentMetrics } from "./metrics.ts";
import { CommandError, type HostCommands } from "./nft.ts";
import { diffScript, fullScript } from "./nft-script.ts";
import { emptyRuleset, type HostEntry, type Ruleset, RulesetBuilder } from "./ruleset.ts";
import { loadState, saveState } from "./state-file.ts";
import { emptyStale, mergeStale, type Stale, World } from "./world.ts";

/** The events that change what a host filters; the cursor moves past the others without sending them. */
export const AGENT_EVENT_TYPES: EventType[] = [
  "SecGroupDeleted",
  "RuleCreated",
  "RuleUpdated",
  "RuleDeleted",
  "BindingAdded",
  "BindingPriorityChanged",
  "BindingRemoved",
  "ResourceRegistered",
  "ResourceUpdated",
  "ResourceDeregistered",
  "FirewallCreated",
  "FirewallUpdated",
  "FirewallDeleted",
  "FirewallGranted",
  "FirewallGrantChanged",
  "FirewallGrantRemoved",
];

export interface AgentOptions {
  readonly client: SgplaneClient;
  readonly host: readonly HostEntry[];
  readonly commands: HostCommands;
  readonly logger: Logger;
  readonly metrics: AgentMetrics;
  /** The agent's own nftables table (inet family). */
  readonly table?: string;
  readonly serviceNetworks?: readonly string[];
  readonly stateFile?: string;
  /** How often to look for changes made to the table by others; 0: never. */
  readonly driftCheckMs?: number;
  readonly companyId?: number;
  /** Long-poll wait (feedTransport poll). */
  readonly waitSeconds?: number;
  /** How the feed is followed (FollowOptions.transport): the event stream (default) or long polls. */
  readonly feedTransport?: "stream" | "poll";
}

export class AgentStartError extends Error {}

export interface AgentStatus {
  readonly ok: boolean;
  /** The feed position the host's rules are in step with (past events the agent does not need, once applied). */
  readonly position: number;
  /** The position of the last change applied. */
  readonly applied: number;
  readonly head: number | undefined;
  readonly resources: number;
  readonly lastError: string | undefined;
}

const SAVE_EVERY_MS = 1000;
const RETRY_MS = [250, 1000, 5000, 15000];

export class Agent {
  readonly #o: AgentOptions;
  readonly #table: string;
  readonly #builder: RulesetBuilder;
  readonly #stop = new AbortController();
  #world = new World();
  #current: Ruleset = emptyRuleset();
  #stale: Stale = emptyStale();
  #pendingEvents = 0;
  /** Where the folded world is: the last folded event's position, commit time and the cursor after it. */
  #folded = { position: 0, time: 0, cursor: "" };
  #applied = 0;
  #follower: FeedFollower | undefined;
  #queue: Promise<void> = Promise.resolve();
  #applying = false;
  #again = false;
  #failures = 0;
  /** A change could not be applied yet (it is retried). */
  #behind = false;
  /** nft died during an apply, so whether it committed is unknown: the next apply makes the table again, whole. */
  #unsure = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #saveTimer: NodeJS.Timeout | undefined;
  #driftTimer: NodeJS.Timeout | undefined;
  /** Bumped by every apply, so a drift check that overlapped one throws its listing away. */
  #generation = 0;
  #baseline: string | undefined;
  #lastError: string | undefined;
  #following: Promise<void> | undefined;

  constructor(options: AgentOptions) {
    this.#o = options;
    this.#table = options.table ?? "sgplane";
    this.#builder = new RulesetBuilder(options.host, {
      ...(options.serviceNetworks !== undefined && { serviceNetworks: options.serviceNetworks }),
    });
  }

  get status(): AgentStatus {
    const idle = !this.#applying && this.#pendingEvents === 0 && !this.#behind;
    const followed = this.#follower?.cursor;
    return {
      ok: this.#lastError === undefined && !this.#stop.signal.aborted,
      position: idle && followed !== undefined ? Math.max(this.#applied, positionOf(followed)) : this.#applied,
      applied: this.#applied,
      head: this.#follower?.head,
      resources: this.#current.ingress.size,
      lastError: this.#lastError,
    };
  }

  /** Checks the host file against the host and the server, applies the whole ruleset, then follows the feed. */
  async start(): Promise<void> {
    const present = await this.#o.commands.interfaces();
    const missing = this.#o.host.filter((h) => !present.has(h.ifname));
    if (missing.length > 0) {
      throw new AgentStartError(
        `the host file names interfaces this host does not have: ${missing.map((h) => `${h.ifname} (${h.resourceId})`).join(", ")}`,
      );
    }
    const saved = this.#o.stateFile === undefined ? undefined : await loadState(this.#o.stateFile);
    if (saved !== undefined) {
      this.#world = World.from(saved.world);
      this.#folded = { position: positionOf(saved.cursor), time: 0, cursor: saved.cursor };
      this.#o.logger.info({ event: "resume", cursor: saved.cursor }, "resuming from the saved state");
    } else {
      try {
        await this.#snapshot();
      } catch (error) {
        if (error instanceof TransportError) {
          throw new AgentStartError(
            `cannot reach the server at ${this.#o.client.options.baseUrl}: ${rootCause(error)}`,
          );
        }
        throw error;
      }
    }
    const unknown = this.#o.host.filter((h) => this.#world.resource(h.resourceId) === undefined);
    if (unknown.length > 0) {
      throw new AgentStartError(
        `the host file names resources the server does not show this key: ${unknown.map((h) => h.resourceId).join(", ")}`,
      );
    }
    await this.#exclusive(() => this.#applyAll("start"));
    this.#following = this.#follow();
    const every = this.#o.driftCheckMs ?? 2000;
    if (every > 0) this.#driftTimer = setInterval(() => void this.#checkDrift(), every);
  }

  /** Stops following and saves the state; the host keeps its rules. */
  async stop(): Promise<void> {
    this.#stop.abort();
    clearInterval(this.#driftTimer);
    clearTimeout(this.#retryTimer);
    clearTimeout(this.#saveTimer);
    await this.#following;
    await this.#queue;
    await this.#o.commands.close();
    await this.#save();
  }

  async #snapshot(): Promise<void> {
    const snapshot = await this.#o.client.describeFeedSnapshot(
      this.#o.companyId === undefined ? {} : { CompanyId: this.#o.companyId },
    );
    this.#world = World.from(snapshot);
    this.#stale = emptyStale();
    this.#folded = { position: snapshot.Position, time: 0, cursor: snapshot.Cursor };
    this.#o.logger.info({ event: "snapshot", position: snapshot.Position }, "took a snapshot");
  }

  async #follow(): Promise<void> {
    const signal = this.#stop.signal;
    while (!signal.aborted) {
      const follower = new FeedFollower(this.#o.client, {
        after: this.#folded.cursor,
        types: AGENT_EVENT_TYPES,
        transport: this.#o.feedTransport ?? "stream",
        signal,
        ...(this.#o.waitSeconds !== undefined && { waitSeconds: this.#o.waitSeconds }),
        ...(this.#o.companyId !== undefined && { companyId: this.#o.companyId }),
        onRetry: (error, failures, delayMs) =>
          this.#o.logger.warn({ event: "feed-retry", failures, delayMs, err: error.message }, "feed unreachable"),
      });
      this.#follower = follower;
      try {
        for await (const event of follower) {
          mergeStale(this.#stale, this.#world.apply(event));
          this.#pendingEvents++;
          this.#folded = { position: event.Position, time: event.Time, cursor: event.Cursor };
          this.#schedule();
        }
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof FeedCursorExpiredError) {
          this.#o.logger.warn(
            { event: "cursor-expired", cursor: this.#folded.cursor },
            "position too old: new snapshot",
          );
          await this.#retrying(async () => {
            await this.#snapshot();
            await this.#exclusive(() => this.#applyAll("snapshot"));
          });
          continue;
        }
        this.#fail("feed", error);
        await sleep(RETRY_MS[1] ?? 1000, signal);
      }
    }
  }

  /** One apply at a time, and never during a drift restore. */
  #exclusive(task: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(task);
    this.#queue = run.catch(() => {});
    return run;
  }

  #schedule(): void {
    if (this.#applying) {
      this.#again = true;
      return;
    }
    this.#applying = true;
    // After the events already received are folded in: one page of events is one apply.
    setImmediate(() => {
      void this.#exclusive(async () => {
        do {
          this.#again = false;
          await this.#applyChanges();
        } while (this.#again && !this.#stop.signal.aborted);
      }).finally(() => {
        this.#applying = false;
      });
    });
  }

  async #applyChanges(): Promise<void> {
    if (this.#unsure) {
      this.#pendingEvents = 0;
      try {
        await this.#applyAll("unsure");
      } catch (error) {
        this.#behind = true;
        this.#fail("apply", error);
        this.#retryLater();
      }
      return;
    }
    const started = performance.now();
    const stale = this.#stale;
    this.#stale = emptyStale();
    const events = this.#pendingEvents;
    this.#pendingEvents = 0;
    const folded = this.#folded;
    const next = this.#builder.build(this.#world, stale);
    const script = diffScript(this.#table, this.#current, next);
    if (script !== "") {
      try {
        await this.#o.commands.apply(script);
      } catch (error) {
        this.#behind = true;
        // A refusal applied nothing; a killed nft may have committed.
        if (!(error instanceof CommandError) || error.code === null) this.#unsure = true;
        this.#fail("apply", error);
        this.#retryLater();
        return;
      }
      this.#installed(next);
    }
    this.#done(folded, "diff", started, { events, lines: script === "" ? 0 : script.split("\n").length - 1 });
  }

  async #applyAll(reason: string): Promise<void> {
    const started = performance.now();
    const folded = this.#folded;
    this.#stale = emptyStale();
    const next = this.#builder.build(this.#world, "all");
    const script = fullScript(this.#table, next);
    await this.#o.commands.apply(script);
    this.#unsure = false;
    this.#installed(next);
    this.#done(folded, "full", started, { reason, lines: script.split("\n").length - 1 });
  }

  #installed(next: Ruleset): void {
    this.#current = next;
    this.#generation++;
    this.#baseline = undefined;
    this.#o.metrics.resources.set(next.ingress.size);
    let rules = 8;
    for (const lines of next.chains.values()) rules += lines.length;
    this.#o.metrics.rules.set(rules);
  }

  #done(folded: { position: number; time: number }, kind: string, started: number, detail: object): void {
    const ms = performance.now() - started;
    this.#applied = Math.max(this.#applied, folded.position);
    this.#failures = 0;
    this.#behind = false;
    this.#lastError = undefined;
    const m = this.#o.metrics;
    m.applyDuration.observe({ kind }, ms / 1000);
    m.applies.inc({ kind });
    m.appliedPosition.set(this.#applied);
    const head = this.#follower?.head;
    if (head !== undefined) {
      m.feedHead.set(head);
      m.lagEvents.set(Math.max(0, head - this.#applied));
    }
    if (folded.time > 0) m.lagSeconds.set(Math.max(0, Date.now() - folded.time) / 1000);
    this.#o.logger.info(
      { event: "apply", kind, position: this.#applied, ms: Math.round(ms * 100) / 100, ...detail },
      "applied",
    );
    this.#saveSoon();
  }

  #fail(stage: string, error: unknown): void {
    this.#lastError = error instanceof Error ? error.message : String(error);
    this.#o.metrics.errors.inc({ stage });
    this.#o.logger.error(
      { event: "error", stage, err: this.#lastError, ...(error instanceof CommandError && { stderr: error.stderr }) },
      stage === "apply" ? "could not apply; the previous ruleset stays" : `${stage} failed`,
    );
  }

  #retryLater(): void {
    const delay = RETRY_MS[Math.min(this.#failures, RETRY_MS.length - 1)] ?? 1000;
    this.#failures++;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = setTimeout(() => {
      if (!this.#stop.signal.aborted) this.#schedule();
    }, delay);
  }

  async #retrying(task: () => Promise<void>): Promise<void> {
    for (let attempt = 0; !this.#stop.signal.aborted; attempt++) {
      try {
        await task();
        return;
      } catch (error) {
        this.#fail("snapshot", error);
        await sleep(RETRY_MS[Math.min(attempt, RETRY_MS.length - 1)] ?? 1000, this.#stop.signal);
      }
    }
  }

  /** Someone else's edit, a flush or a deleted table: the table is made again, whole. */
  async #checkDrift(): Promise<void> {
    if (this.#applying || this.#stop.signal.aborted) return;
    const generation = this.#generation;
    let listing: string | undefined;
    try {
      listing = await this.#o.commands.list(this.#table);
    } catch (error) {
      this.#fail("drift-check", error);
      return;
    }
    if (generation !== this.#generation) return;
    const intact =
      listing !== undefined &&
      (this.#baseline === undefined ? shapeMatches(listing, this.#current) : listing === this.#baseline);
    if (intact) {
      this.#baseline = listing;
      return;
    }
    this.#o.metrics.restores.inc();
    this.#o.logger.warn(
      { event: "drift", table: this.#table, missing: listing === undefined },
      "table changed by someone else: restoring",
    );
    await this.#exclusive(async () => {
      if (generation !== this.#generation) return;
      try {
        await this.#applyAll("drift");
      } catch (error) {
        this.#fail("apply", error);
      }
    });
  }

  #saveSoon(): void {
    if (this.#o.stateFile === undefined || this.#saveTimer !== undefined) return;
    this.#saveTimer = setTimeout(() => {
      this.#saveTimer = undefined;
      void this.#save().catch((error: unknown) => this.#fail("save", error));
    }, SAVE_EVERY_MS);
  }

  async #save(): Promise<void> {
    if (this.#o.stateFile === undefined || this.#folded.cursor === "") return;
    // The follower's cursor may be past pages of events the agent does not ask for; the world is as of there.
    const cursor = this.#follower?.cursor ?? this.#folded.cursor;
    await saveState(this.#o.stateFile, { version: 1, cursor, world: this.#world.rows() });
  }
}

/**
 * Whether an nft listing has the chains, sets and rule counts of the ruleset (a flush empties chains; an added or
 * deleted rule changes a count). Used once after each apply, before the listing becomes the baseline compared
 * exactly from then on.
 */
export function shapeMatches(listing: string, ruleset: Ruleset): boolean {
  const chains = new Map<string, number>();
  let chain: string | undefined;
  for (const line of listing.split("\n")) {
    const opened = /^\tchain (\S+) \{/.exec(line);
    if (opened) {
      chain = opened[1];
      if (chain !== undefined) chains.set(chain, 0);
      continue;
    }
    if (/^\t\}/.test(line)) {
      chain = undefined;
      continue;
    }
    // A rule is a line at two tabs inside a chain (longer ones wrap onto deeper-indented lines).
    if (chain !== undefined && /^\t\t\S/.test(line) && !/^\t\ttype filter hook/.test(line)) {
      chains.set(chain, (chains.get(chain) ?? 0) + 1);
    }
  }
  const base = ["forward_egress", "forward_ingress", "input_egress", "output_ingress"];
  if (chains.size !== ruleset.chains.size + base.length) return false;
  for (const name of base) if (chains.get(name) !== 2) return false;
  for (const [name, lines] of ruleset.chains) if (chains.get(name) !== lines.length) return false;
  for (const name of ruleset.sets.keys()) if (!listing.includes(`\tset ${name} {`)) return false;
  return true;
}

/** The innermost cause's message (fetch wraps ECONNREFUSED in "fetch failed"). */
function rootCause(error: Error): string {
  let inner: unknown = error;
  while (inner instanceof Error && inner.cause instanceof Error) inner = inner.cause;
  const code = (inner as NodeJS.ErrnoException).code;
  return `${(inner as Error).message}${code !== undefined && !(inner as Error).message.includes(code) ? ` (${code})` : ""}`;
}

const positionOf = (cursor: string): number => parseCursor(cursor)?.position ?? 0;
