// Who is calling (§1.8 steps 3–5): Signature present, PublicKey known, SecurityToken known, signature matches.
import { ApiError, sign, signatureMatches } from "@sgplane/spec";
import type { ParamBag } from "../protocol/parse-request.ts";
import { bagText } from "../protocol/parse-request.ts";
import type { KeyRecord } from "../store/port.ts";

export type KeyLookup = (publicKey: string) => Promise<KeyRecord | undefined>;

export async function authenticate(bag: ParamBag, findKey: KeyLookup): Promise<KeyRecord> {
  const signature = bagText(bag, "Signature");
  if (signature === undefined) throw new ApiError("MissingSignature", {});
  const publicKey = bagText(bag, "PublicKey");
  if (publicKey === undefined) throw new ApiError("UserNotFound", { reason: "missing PublicKey" });
  const key = await findKey(publicKey);
  if (key === undefined) throw new ApiError("UserNotFound", { reason: "unknown PublicKey" });
  const token = bagText(bag, "SecurityToken");
  // sgplane issues no STS tokens, so any token presented is unknown.
  if (token !== undefined) throw new ApiError("TokenNotFound", { token });
  if (!signatureMatches(signature, sign(bag, key.privateKey))) throw new ApiError("SignatureMismatch", {});
  return key;
}
