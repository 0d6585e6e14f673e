// A TCP connection the lab keeps open between two endpoints (Lab.hold), to ask later whether data still flows on it
// both ways: what conntrack's `established` verdict is about, which a fresh probe can never show.
import { performance } from "node:perf_hooks";
import type { Prober } from "./prober-client.ts";
import type { Family } from "./protocol.ts";

export interface ExchangeOptions {
  /** How long to wait for the echo. Default: the lab's recheckTimeoutMs (1500 ms), time for TCP to retransmit. */
  readonly timeoutMs?: number;
}

export interface ExchangeOutcome {
  /** The line sent by `from` came back from `to`'s listener on this very connection. */
  readonly pass: boolean;
  /** Why not: "timeout" (silence: its packets are dropped), "closed", or the socket's error (ECONNRESET, …). */
  readonly reason?: string;
  readonly ms: number;
}

export class HeldConnection {
  private exchanges = 0;
  private closing: Promise<void> | undefined;

  /** @internal use Lab.hold() */
  constructor(
    readonly from: string,
    readonly to: string,
    readonly port: number,
    readonly family: Family,
    private readonly prober: Prober,
    private readonly conn: number,
    private readonly tokenPrefix: string,
    private readonly defaultTimeoutMs: number,
  ) {}

  get description(): string {
    return `${this.from} → ${this.to}:${this.port} v${this.family}`;
  }

  /**
   * Sends a fresh token on the connection; the listener at `to` echoes it. Passing needs a data segment each way
   * (and their ACKs), so it shows the connection is carried in both directions right now. Exchanges on one
   * connection run one at a time.
   */
  async exchange(options: ExchangeOptions = {}): Promise<ExchangeOutcome> {
    if (this.closing !== undefined) throw new Error(`lab: the connection ${this.description} was closed`);
    const started = performance.now();
    const answer = await this.prober.request({
      op: "echo",
      conn: this.conn,
      token: `${this.tokenPrefix}/${++this.exchanges}`,
      timeoutMs: options.timeoutMs ?? this.defaultTimeoutMs,
    });
    const ms = Math.round((performance.now() - started) * 10) / 10;
    return answer.reason === undefined ? { pass: answer.pass, ms } : { pass: answer.pass, reason: answer.reason, ms };
  }

  /** Ends the connection. Idempotent; after the lab's destroy() (which ends every connection) it does nothing. */
  close(): Promise<void> {
    this.closing ??= this.prober.running
      ? this.prober.request({ op: "close", conn: this.conn }).then(() => {})
      : Promise.resolve();
    return this.closing;
  }
}
