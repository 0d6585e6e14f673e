// UCloud request signature (secgroup-api.md §1.5): SHA-1 over sorted key+value pairs plus the private key.
import { hash, timingSafeEqual } from "node:crypto";
import { type ParamValue, stringToSign } from "./sign-text.ts";

export { type ParamValue, signText, stringToSign } from "./sign-text.ts";

export function sign(params: { readonly [k: string]: ParamValue }, privateKey: string): string {
  return hash("sha1", stringToSign(params) + privateKey, "hex");
}

/** Constant-time, case-insensitive comparison of a received signature with the expected hex digest. */
export function signatureMatches(received: string, expected: string): boolean {
  const a = Buffer.from(received.toLowerCase(), "utf8");
  const b = Buffer.from(expected, "utf8");
  if (a.length !== b.length) {
    timingSafeEqual(b, b);
    return false;
  }
  return timingSafeEqual(a, b);
}
