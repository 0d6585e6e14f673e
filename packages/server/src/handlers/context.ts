// What a handler receives besides its typed input, and the mapped type that makes a missing handler a compile error.
import type { ActionInput, ActionName, ActionOutput, Catalogue } from "@sgplane/catalogue";
import type { FeedHub } from "../feed/hub.ts";
import type { FeedFilter, KeyRecord, Scope, Store } from "../store/port.ts";

export interface Clock {
  /** Unix seconds. */
  nowSeconds(): number;
  /** Unix milliseconds (audit records). */
  nowMs(): number;
}

export interface IdSource {
  secGroupId(): string;
  ruleId(): string;
  firewallId(): string;
  privateKey(): string;
  /** A generated key pair's public key. */
  publicKey(userName: string): string;
}

export interface BaseContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly key: KeyRecord;
  /** The change feed's followers' side; undefined when the server records no feed (--feed off). */
  readonly feed?: FeedHub;
  /** Whether this server keeps an audit trail (--audit). */
  readonly auditing: boolean;
  /** Peers never filtered (--service-network); absent: UCloud's 100.64.0.0/10. */
  readonly serviceNetworks?: readonly string[];
  /** A signal aborted when the client goes away (a long-poll stops waiting); made on first use. */
  readonly clientGone?: () => AbortSignal;
}

/** A tenant action runs in one company/project/region. */
export interface TenantContext extends BaseContext {
  readonly scope: Scope;
}

/** What an account-wide read may see (authorize.ts): its company, a sub-account's projects, Region/ProjectId filters. */
export type AccountView = Omit<FeedFilter, "types">;

/** An account action reads across what the key may see. */
export interface AccountContext extends BaseContext {
  readonly view: AccountView;
}

export type ContextFor<A extends ActionName> = Catalogue[A]["scope"] extends "tenant"
  ? TenantContext
  : Catalogue[A]["scope"] extends "account"
    ? AccountContext
    : BaseContext;

export type Handler<A extends ActionName> = (input: ActionInput<A>, ctx: ContextFor<A>) => Promise<ActionOutput<A>>;

export type HandlerTable = { readonly [A in ActionName]: Handler<A> };
