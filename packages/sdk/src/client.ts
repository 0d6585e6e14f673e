// A signing client for the UCloud API: flatten, sign, POST, parse the envelope, raise typed errors.
import { type Flat, flatten, type ParamValue, sign } from "@sgplane/spec";
import { RetCodeError, TransportError } from "./errors.ts";

/**
 * form: Go/Python style (x-www-form-urlencoded, flattened keys); json: JS style (flat JSON, native scalars);
 * json-nested: Go's JSON encoder (native arrays/objects, signed per §1.5.2).
 */
export type Encoding = "form" | "json" | "json-nested";

export interface ClientOptions {
  readonly baseUrl: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly region?: string;
  readonly projectId?: string;
  /** Per-request timeout; finite by default. */
  readonly timeoutMs?: number;
  readonly encoding?: Encoding;
  /** Also put `?Action=` in the URL, as the Go SDK does. */
  readonly actionInQuery?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly body: Record<string, unknown>;
}

export type Envelope = { Action: string; RetCode: number; Message?: string } & Record<string, unknown>;

export class Client {
  constructor(readonly options: ClientOptions) {}

  /** The signed parameters for a call (exposed for tests and for debugging signatures). */
  signedParams(action: string, params: Record<string, unknown>): Record<string, ParamValue> {
    const o = this.options;
    const common = {
      Action: action,
      PublicKey: o.publicKey,
      ...(o.region && { Region: o.region }),
      ...(o.projectId && { ProjectId: o.projectId }),
    };
    const all: Record<string, ParamValue> =
      o.encoding === "json-nested"
        ? ({ ...common, ...params } as Record<string, ParamValue>)
        : { ...common, ...flatten(params) };
    return { ...all, Signature: sign(all, o.privateKey) };
  }

  /** Sends the call and returns whatever envelope came back, without judging RetCode. */
  async send(action: string, params: Record<string, unknown> = {}): Promise<RawResponse> {
    const o = this.options;
    const signed = this.signedParams(action, params);
    const json = o.encoding === "json" || o.encoding === "json-nested";
    const body = json ? JSON.stringify(signed) : new URLSearchParams(toText(signed as Flat)).toString();
    const url = o.actionInQuery ? `${o.baseUrl}?Action=${encodeURIComponent(action)}` : o.baseUrl;
    let res: Response;
    try {
      res = await fetch(url, {
        method: "POST",
        headers: { "Content-Type": json ? "application/json" : "application/x-www-form-urlencoded" },
        body,
        signal: AbortSignal.timeout(o.timeoutMs ?? 30_000),
      });
    } catch (cause) {
      throw new TransportError(action, `request failed: ${(cause as Error).message}`, undefined, { cause });
    }
    const requestId = res.headers.get("x-ucloud-request-uuid") ?? undefined;
    if (res.status >= 400) throw new TransportError(action, `HTTP ${res.status}`, res.status);
    let parsed: unknown;
    try {
      parsed = await res.json();
    } catch (cause) {
      throw new TransportError(action, "response is not JSON", res.status, { cause });
    }
    if (parsed === null || typeof parsed !== "object")
      throw new TransportError(action, "response is not an object", res.status);
    return { status: res.status, requestId, body: parsed as Record<string, unknown> };
  }

  /** Calls the action; a RetCode ≠ 0 becomes a RetCodeError. */
  async call<T extends object = Record<string, unknown>>(
    action: string,
    params: Record<string, unknown> = {},
  ): Promise<Envelope & T> {
    const { body, requestId } = await this.send(action, params);
    const retCode = body.RetCode;
    if (typeof retCode !== "number") throw new TransportError(action, "envelope without a numeric RetCode");
    if (retCode !== 0) throw new RetCodeError(action, retCode, String(body.Message ?? ""), requestId);
    return body as Envelope & T;
  }
}

function toText(flat: Flat): Record<string, string> {
  return Object.fromEntries(Object.entries(flat).map(([k, v]) => [k, String(v)]));
}
