// The JSON-lines protocol between the lab (test process) and a prober (one per endpoint namespace). Types only, so
// the prober can be turned into plain JavaScript by stripping types, with no imports left at run time.

export type Family = 4 | 6;

/** What a prober is started with (its single command-line argument, as JSON). */
export interface ProberConfig {
  /** TCP and UDP ports to listen on, on `::` (dual stack). The TCP listeners echo what they read. */
  readonly ports: readonly number[];
  /** The endpoint's own addresses; outgoing probes are bound to them so the source address is never a guess. */
  readonly ipv4: string;
  readonly ipv6: string;
  /** Pings run as `ping` processes; at most this many at once per prober. */
  readonly maxConcurrentPings: number;
}

export type Command =
  | {
      readonly id: number;
      readonly op: "tcp";
      readonly addr: string;
      readonly port: number;
      readonly timeoutMs: number;
    }
  | { readonly id: number; readonly op: "udp"; readonly addr: string; readonly port: number; readonly token: string }
  | {
      readonly id: number;
      readonly op: "ping";
      readonly addr: string;
      readonly family: Family;
      readonly timeoutMs: number;
    }
  // A held connection, named by the lab (`conn`, unique per prober): "open" connects and keeps the socket, "echo"
  // sends `token` and a newline on it and passes when the same line comes back from the listener, "close" ends it.
  | {
      readonly id: number;
      readonly op: "open";
      readonly conn: number;
      readonly addr: string;
      readonly port: number;
      readonly timeoutMs: number;
    }
  | {
      readonly id: number;
      readonly op: "echo";
      readonly conn: number;
      readonly token: string;
      readonly timeoutMs: number;
    }
  | { readonly id: number; readonly op: "close"; readonly conn: number };

/**
 * A command's answer. `pass` is the kernel's verdict as far as the sender can see it: TCP connected (and, for
 * "open", kept), ICMP echo replied, UDP handed to the kernel (whether it arrived is told by the receiver's event),
 * the echoed line back on a held connection. `reason` says why not. `error` is a lab fault (an unknown connection,
 * a second echo while one is pending), never a verdict.
 */
export type Reply =
  | { readonly id: number; readonly pass: boolean; readonly reason?: string }
  | { readonly id: number; readonly error: string };

export type ProberEvent =
  | { readonly event: "ready" }
  | { readonly event: "udp"; readonly token: string; readonly from: string; readonly port: number }
  | { readonly event: "tcp"; readonly from: string; readonly port: number };

/** A probe that ran out of time: the only kind of "false" that a longer re-check may overturn. */
export const TIMEOUT = "timeout";
