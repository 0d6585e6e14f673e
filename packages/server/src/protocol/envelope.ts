// The response envelope (§1.6): {Action: "<X>Response", RetCode, Message?, ...output}; failures are HTTP 200 too.
import { ApiError, errorCatalogue } from "@sgplane/catalogue";

export type Envelope = { Action: string; RetCode: number; Message?: string } & Record<string, unknown>;

export function responseAction(action: string | undefined): string {
  return `${action ?? ""}Response`;
}

export function successEnvelope(action: string, output: object): Envelope {
  return { ...output, Action: responseAction(action), RetCode: 0 };
}

/** A catalogue error renders as its RetCode and message; anything else is 150 and must be logged by the caller. */
export function failureEnvelope(action: string | undefined, error: unknown): Envelope {
  if (error instanceof ApiError) {
    return { Action: responseAction(action), RetCode: error.retCode, Message: error.message };
  }
  return {
    Action: responseAction(action),
    RetCode: errorCatalogue.InternalError.retCode,
    Message: errorCatalogue.InternalError.message,
  };
}
