// One call as an audit record: who (the key, the identity it resolved to), from where, what (the parameters, with
// the signature and every private key left out), and the answer. The secrets Decision of operator.md holds here.
import type { ParamValue } from "@sgplane/catalogue";
import type { ParamBag } from "../protocol/parse-request.ts";
import type { AuditEntry, KeyRecord } from "../store/port.ts";

/** Longest parameter value kept in a record (a longer one keeps this much and says how long it was). */
const MAX_VALUE = 4096;
/** Most ids a record is searchable by. */
const MAX_IDS = 200;
const REDACTED = "(redacted)";

/** Keys whose values are secrets wherever they appear (Keys.N.PrivateKey, a State's keys, a JSON body's). */
const isSecretKey = (key: string): boolean => /(^|\.)(PrivateKey|Signature)$/i.test(key);
/** Parameters that name objects a record can be searched by. */
const ID_KEY = /(^|\.)(ResourceId|SecGroupId|RuleId|VPCId|SuperResourceId|DstVPCId)(\.\d+)?$/;
const ID_TOKEN = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;

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

/** The bag as recorded: no Signature, no private key, long values cut. */
export function recordedParams(bag: ParamBag): Record<string, ParamValue> {
  const out: Record<string, ParamValue> = {};
  for (const [key, value] of Object.entries(bag)) {
    if (key === "Signature") continue;
    if (isSecretKey(key)) out[key] = REDACTED;
    else if (key === "State" && typeof value === "string") out[key] = shorten(redactDocument(value));
    else out[key] = shorten(redact(value));
  }
  return out;
}

/** The ids a call named (each once): from Key, Key.N and Key.N.Field parameters, lists and JSON-array strings. */
export function namedIds(bag: ParamBag): string[] {
  const ids = new Set<string>();
  const take = (value: unknown): void => {
    if (ids.size >= MAX_IDS) return;
    if (typeof value === "string") {
      const text = value.trim();
      if (text.startsWith("[")) {
        try {
          take(JSON.parse(text));
        } catch {}
      } else if (ID_TOKEN.test(text)) ids.add(text);
    } else if (Array.isArray(value)) for (const v of value) take(v);
    else if (value !== null && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) if (ID_KEY.test(k)) take(v);
    }
  };
  for (const [key, value] of Object.entries(bag)) {
    if (ID_KEY.test(key)) take(value);
    else if (Array.isArray(value) || (value !== null && typeof value === "object")) {
      // Native JSON lists of objects (PrioritySecGroup, Rule): their id fields.
      for (const item of Array.isArray(value) ? value : [value]) {
        if (item !== null && typeof item === "object" && !Array.isArray(item)) {
          for (const [k, v] of Object.entries(item)) if (ID_KEY.test(k)) take(v);
        }
      }
    }
  }
  return [...ids];
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
}

export function auditEntry(facts: CallFacts, retCode: number, message: string): AuditEntry {
  const { key, bag } = facts;
  return {
    timeMs: facts.timeMs,
    requestId: facts.requestId,
    action: (facts.action ?? "").slice(0, 64),
    publicKey: (facts.publicKey ?? "").slice(0, 256),
    authenticated: facts.authenticated,
    operator: key?.operator ?? false,
    companyId: key?.companyId ?? null,
    userName: key?.userName ?? "",
    subAccount: key?.subAccount ?? false,
    sourceIp: facts.sourceIp,
    userAgent: facts.userAgent.slice(0, 512),
    region: (facts.region ?? "").slice(0, 64),
    projectId: (facts.projectId ?? "").slice(0, 64),
    params: JSON.stringify(bag === undefined ? {} : recordedParams(bag)),
    objectIds: bag === undefined ? [] : namedIds(bag),
    retCode,
    message,
    mutating: facts.mutating,
  };
}
