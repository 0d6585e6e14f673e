// The signed-in key pair lives in sessionStorage only: gone when the tab closes, never in a cookie, never sent.
import type { KeyPair } from "./sign.ts";

export type Role = "operator" | "company" | "subaccount";

export interface Session extends KeyPair {
  readonly role: Role;
  /** Company of a tenant key (the operator sees every company). */
  readonly companyId?: number;
}

const STORAGE_KEY = "sgplane.console.session";

export function loadSession(): Session | undefined {
  try {
    const text = sessionStorage.getItem(STORAGE_KEY);
    if (text === null) return undefined;
    const value = JSON.parse(text) as Partial<Session>;
    if (typeof value.publicKey !== "string" || typeof value.privateKey !== "string") return undefined;
    if (value.role !== "operator" && value.role !== "company" && value.role !== "subaccount") return undefined;
    return value as Session;
  } catch {
    return undefined;
  }
}

export function saveSession(session: Session): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  sessionStorage.removeItem(STORAGE_KEY);
}
