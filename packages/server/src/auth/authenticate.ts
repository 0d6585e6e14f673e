// Who is calling (§1.8 steps 3–5): Signature present, PublicKey known, SecurityToken known, signature matches.
import { ApiError, sign, signatureMatches } from "@sgplane/catalogue";
import type { ParamBag } from "../protocol/parse-request.ts";
import { bagText } from "../protocol/parse-request.ts";
import type { Principal } from "./principal-cache.ts";

export type PrincipalLookup = (publicKey: string) => Promise<Principal | undefined>;

export async function authenticate(bag: ParamBag, lookup: PrincipalLookup): Promise<Principal> {
  const signature = bagText(bag, "Signature");
  if (signature === undefined) throw new ApiError("MissingSignature", {});
  const publicKey = bagText(bag, "PublicKey");
  if (publicKey === undefined) throw new ApiError("UserNotFound", { reason: "missing PublicKey" });
  const principal = await lookup(publicKey);
  if (principal === undefined) throw new ApiError("UserNotFound", { reason: "unknown PublicKey" });
  const token = bagText(bag, "SecurityToken");
  // sgplane issues no STS tokens, so any token presented is unknown.
  if (token !== undefined) throw new ApiError("TokenNotFound", { token });
  if (!signatureMatches(signature, sign(bag, principal.key.privateKey))) throw new ApiError("SignatureMismatch", {});
  return principal;
}
