// Browser-side signing: the SDK's algorithm (flatten, string-to-sign, SHA-1 with the private key) over Web Crypto.
import { type Flat, flatten, stringToSign } from "@sgplane/catalogue/wire";

export interface KeyPair {
  readonly publicKey: string;
  readonly privateKey: string;
}

/** Where a call is made: Region and ProjectId are common parameters, signed like the others. */
export interface CallScope {
  readonly region?: string | undefined;
  readonly projectId?: string | undefined;
}

async function sha1Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-1", new TextEncoder().encode(text));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** The flattened, signed parameters of one call; only PublicKey and Signature leave the browser, never the PrivateKey. */
export async function signedParams(
  action: string,
  params: Record<string, unknown>,
  key: KeyPair,
  scope: CallScope = {},
): Promise<Flat> {
  const all: Flat = {
    Action: action,
    PublicKey: key.publicKey,
    ...(scope.region && { Region: scope.region }),
    ...(scope.projectId && { ProjectId: scope.projectId }),
    ...flatten(params),
  };
  return { ...all, Signature: await sha1Hex(stringToSign(all) + key.privateKey) };
}

/** Form body of a signed call, as the Go and Python SDKs send it. */
export function formBody(signed: Flat): string {
  return new URLSearchParams(Object.entries(signed).map(([k, v]): [string, string] => [k, String(v)])).toString();
}
