// Typed failures of a call: the server answered RetCode ≠ 0, or no usable answer arrived.

/** The API answered with a non-zero RetCode. */
export class RetCodeError extends Error {
  constructor(
    readonly action: string,
    readonly retCode: number,
    readonly apiMessage: string,
    readonly requestId: string | undefined,
  ) {
    super(`${action}: RetCode ${retCode}: ${apiMessage}`);
    this.name = "RetCodeError";
  }
}

/** Network failure, timeout, HTTP status ≥ 400 or a body that is not an envelope. */
export class TransportError extends Error {
  constructor(
    readonly action: string,
    message: string,
    readonly status?: number,
    options?: { cause?: unknown },
  ) {
    super(`${action}: ${message}`, options);
    this.name = "TransportError";
  }
}
