// One call as an audit record: who (the key, the identity it resolved to), from where, what (the parameters, with
// the signature and every private key left out), and the answer. The secrets Decision of operator.md holds here.
import type { ParamValue } from "@sgplane/catalogue";
import type { ParamBag } from "../protocol/parse-request.ts";
import type { AuditEntry, KeyRecord } from "../store/port.ts";

/** Longest parameter value kept in a record (a longer one keeps this much and says how long it was). */
const MAX_VALUE = 4096;
const REDACTED = "(redacted)";

/** Keys whose values are secrets wherever they appear (Keys.N.PrivateKey, a State's keys, a JSON body's). */
const SECRET = /(^|\.)(PrivateKey|Signature)$/i;
// Every parameter of every request is checked: a cheap test first, the pattern only for keys that could match.
const isSecretKey = (key: string): boolean => (key.endsWith("ey") || key.endsWith("ure")) && SECRET.test(key);

function redact(value: ParamValue): ParamValue {
  if (Array.isArray(value)) return value.map(redact);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? REDACTED : redact(v as ParamValue)]),
    );
  }
  return value;
}

function shorten(value: ParamValue): ParamValue {
  if (typeof value === "string" && value.length > MAX_VALUE) {
    return `${value.slice(0, MAX_VALUE)}… (${value.length} characters)`;
  }
  if (Array.isArray(value)) return value.map(shorten);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, shorten(v as ParamValue)]));
  }
  return value;
}

/** A document parameter (AdminImportState's State) holds private keys inside: redact those, keep the rest. */
function redactDocument(text: string): ParamValue {
  try {
    return redact(JSON.parse(text) as ParamValue);
  } catch {
    return `(${text.length} characters, not JSON)`;
  }
}

/**
 * The parameters a record keeps for a call: every one but Signature, private keys redacted, long values cut. Those
 * kept as columns of their own (Action, PublicKey, Region: `columns`) are left out here when equal to them; the
 * reader puts them back (feed-read.ts), which keeps a record small: every call writes one.
 */
export function recordedParams(
  bag: ParamBag,
  columns: Readonly<Record<string, string>> = {},
): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const key in bag) {
    const value = bag[key] as ParamValue;
    if (key === "Signature") continue;
    if (typeof value === "string" && value !== "" && columns[key] === value) continue;
    if (isSecretKey(key)) out[key] = REDACTED;
    else if (typeof value === "string") {
      if (key === "State") out[key] = shorten(redactDocument(value));
      else out[key] = value.length > MAX_VALUE ? shorten(value) : value;
    } else out[key] = shorten(redact(value));
  }
  return out;
}

export interface CallFacts {
  readonly requestId: string;
  readonly timeMs: number;
  readonly sourceIp: string;
  readonly userAgent: string;
  /** The bag, when the request could be parsed at all. */
  readonly bag: ParamBag | undefined;
  readonly action: string | undefined;
  readonly publicKey: string | undefined;
  /** The key the PublicKey names, when it exists; authenticated says whether the signature checked out. */
  readonly key: KeyRecord | undefined;
  readonly authenticated: boolean;
  readonly region: string | undefined;
  readonly projectId: string | undefined;
  readonly mutating: boolean;
  /** A DryRun call (its record never goes in with a change: there is none). */
  readonly dryRun?: boolean;
}

export function auditEntry(facts: CallFacts, retCode: number, message: string): AuditEntry {
  const { key, bag } = facts;
  const action = (facts.action ?? "").slice(0, 64);
  const publicKey = (facts.publicKey ?? "").slice(0, 256);
  const region = (facts.region ?? "").slice(0, 64);
  return {
    timeMs: facts.timeMs,
    requestId: facts.requestId,
    action,
    publicKey,
    authenticated: facts.authenticated,
    operator: key?.operator ?? false,
    companyId: key?.companyId ?? null,
    userName: key?.userName ?? "",
    subAccount: key?.subAccount ?? false,
    sourceIp: facts.sourceIp,
    userAgent: facts.userAgent.slice(0, 512),
    region,
    projectId: (facts.projectId ?? "").slice(0, 64),
    params: JSON.stringify(
      bag === undefined ? {} : recordedParams(bag, { Action: action, PublicKey: publicKey, Region: region }),
    ),
    retCode,
    message,
    mutating: facts.mutating,
    ...(facts.dryRun === true && { dryRun: true }),
  };
}
