// The console's only way to the server: one signed POST per call to the public API, typed by the catalogue.
import type { ActionInput, ActionName, ActionOutput } from "@sgplane/catalogue/wire";
import { type CallScope, formBody, type KeyPair, signedParams } from "./sign.ts";

/** Why a call failed: the server answered RetCode ≠ 0, or no usable answer came back. */
export class CallError extends Error {
  constructor(
    readonly action: string,
    /** RetCode of the envelope; undefined when the network or HTTP failed. */
    readonly retCode: number | undefined,
    message: string,
    readonly requestId?: string,
  ) {
    super(message);
  }

  /** The wire parameter a 220/230 message names (`Params [Rule.0.Priority] not available: …`), if any. */
  get field(): string | undefined {
    if (this.retCode !== 220 && this.retCode !== 230) return undefined;
    return /params \[([^\]]+)\]/i.exec(this.message)?.[1];
  }

  /** A line a person can act on. */
  get describe(): string {
    if (this.retCode === undefined) return `${this.action}: ${this.message}`;
    return `${this.message} (RetCode ${this.retCode})`;
  }
}

/** The server could not be reached or answered something that is not an envelope. */
export function isTransportError(error: unknown): boolean {
  return error instanceof CallError && error.retCode === undefined;
}

export type Envelope<A extends ActionName> = ActionOutput<A> & { Action: string; RetCode: number };

export interface ApiOptions {
  readonly baseUrl: string;
  readonly key: KeyPair;
  readonly timeoutMs?: number;
}

export class Api {
  constructor(readonly options: ApiOptions) {}

  /** Calls a catalogue action in a scope; resolves with the envelope of a RetCode 0 answer, else throws CallError. */
  async call<A extends ActionName>(
    action: A,
    input: ActionInput<A> | Record<string, never>,
    scope: CallScope = {},
    signal?: AbortSignal,
  ): Promise<Envelope<A>> {
    const body = formBody(await signedParams(action, input as Record<string, unknown>, this.options.key, scope));
    const timeout = AbortSignal.timeout(this.options.timeoutMs ?? 70_000);
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.options.baseUrl, {
        method: "POST",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body,
        signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      });
      text = await res.text();
    } catch (cause) {
      if (signal?.aborted) throw cause;
      const why = timeout.aborted ? "the server did not answer in time" : "the server cannot be reached";
      throw new CallError(action, undefined, `${why} (${(cause as Error).message})`);
    }
    const requestId = res.headers.get("x-ucloud-request-uuid") ?? undefined;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new CallError(action, undefined, `HTTP ${res.status}: the answer is not JSON`, requestId);
    }
    const envelope = parsed as { RetCode?: unknown; Message?: unknown };
    if (typeof envelope !== "object" || envelope === null || typeof envelope.RetCode !== "number") {
      throw new CallError(action, undefined, `HTTP ${res.status}: the answer is not an API envelope`, requestId);
    }
    if (envelope.RetCode !== 0) {
      throw new CallError(action, envelope.RetCode, String(envelope.Message ?? ""), requestId);
    }
    return parsed as Envelope<A>;
  }
}
