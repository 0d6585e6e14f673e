// What a handler receives besides its typed input, and the mapped type that makes a missing handler a compile error.
import type { ActionInput, ActionName, ActionOutput, Catalogue } from "@sgplane/catalogue";
import type { KeyRecord, Scope, Store } from "../store/port.ts";

export interface Clock {
  /** Unix seconds. */
  nowSeconds(): number;
}

export interface IdSource {
  secGroupId(): string;
  ruleId(): string;
  privateKey(): string;
}

export interface BaseContext {
  readonly store: Store;
  readonly clock: Clock;
  readonly ids: IdSource;
  readonly key: KeyRecord;
}

/** A tenant action runs in one company/project/region. */
export interface TenantContext extends BaseContext {
  readonly scope: Scope;
}

export type ContextFor<A extends ActionName> = Catalogue[A]["scope"] extends "tenant" ? TenantContext : BaseContext;

export type Handler<A extends ActionName> = (input: ActionInput<A>, ctx: ContextFor<A>) => Promise<ActionOutput<A>>;

export type HandlerTable = { readonly [A in ActionName]: Handler<A> };
