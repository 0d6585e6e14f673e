// The action catalogue: every action sgplane serves, by wire name.
import type { ActionSpec, InputOfSpec, OutputOfSpec } from "./action-spec.ts";
import * as adminActions from "./actions/admin.ts";
import * as auditActions from "./actions/audit.ts";
import * as bindingActions from "./actions/bindings.ts";
import * as describeBindingActions from "./actions/describe-bindings.ts";
import * as enforcementActions from "./actions/enforcement.ts";
import * as feedActions from "./actions/feed.ts";
import * as firewallActions from "./actions/firewalls.ts";
import * as ruleActions from "./actions/rules.ts";
import * as secGroupActions from "./actions/secgroups.ts";

export const catalogue = {
  ...secGroupActions,
  ...ruleActions,
  ...bindingActions,
  ...describeBindingActions,
  ...enforcementActions,
  ...firewallActions,
  ...feedActions,
  ...auditActions,
  ...adminActions,
} as const;

export type Catalogue = typeof catalogue;
export type ActionName = keyof Catalogue;
export type TenantActionName = { [K in ActionName]: Catalogue[K]["scope"] extends "tenant" ? K : never }[ActionName];
export type ActionInput<A extends ActionName> = InputOfSpec<Catalogue[A]>;
export type ActionOutput<A extends ActionName> = OutputOfSpec<Catalogue[A]>;

export const actionNames = Object.keys(catalogue) as ActionName[];

export function findAction(name: string): ActionSpec | undefined {
  return Object.hasOwn(catalogue, name) ? catalogue[name as ActionName] : undefined;
}
