// What one catalogue entry declares about an action; everything else (validation, SDK, CLI, docs) derives from it.
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import type { ErrorName } from "./errors.ts";
import { clientTokenInput, dryRunInput, dryRunOutput } from "./mutation-options.ts";

export type ActionScope = "tenant" | "operator" | "account";

export interface ActionSpec<N extends string = string, I extends TSchema = TObject, O extends TSchema = TObject> {
  readonly name: N;
  readonly summary: string;
  /**
   * tenant: a company key in (Region, ProjectId) scope; operator: an operator key, no tenant scope; account: any
   * key, seeing what it may see across its whole account (Region and ProjectId optional, as filters).
   */
  readonly scope: ActionScope;
  readonly mutates: boolean;
  /** Safe for a client to retry automatically (false for creates: a retry could create twice). */
  readonly retrySafe: boolean;
  /** ProjectId is required even for main-account keys (SwitchToSecGroup, CopySecGroup). */
  readonly requiresProjectId?: boolean;
  /** Takes a ClientToken (a create: a retry with the same token answers the first call's answer). */
  readonly clientToken: boolean;
  /** The input, with DryRun (every mutating action) and ClientToken (clientToken) added by defineAction. */
  readonly input: I;
  readonly output: O;
  /** Business errors this action raises on top of the gateway codes every action can answer. */
  readonly errors: readonly ErrorName[];
  readonly notes?: readonly string[];
}

type MutationInput<M extends boolean, T extends boolean> = (M extends true ? typeof dryRunInput : unknown) &
  (T extends true ? typeof clientTokenInput : unknown);
type MutationOutput<M extends boolean> = M extends true ? typeof dryRunOutput : unknown;

// S keeps the scope a literal type, so ContextFor / TenantActionName can tell tenant actions from admin ones; M and
// T keep mutates / clientToken literal, so only mutating actions' types carry DryRun and only creates' ClientToken.
export function defineAction<
  const N extends string,
  IP extends TProperties,
  OP extends TProperties,
  const S extends ActionScope = "tenant",
  const M extends boolean = boolean,
  const T extends boolean = false,
>(spec: {
  name: N;
  summary: string;
  scope?: S;
  mutates: M;
  retrySafe?: boolean;
  requiresProjectId?: boolean;
  clientToken?: T;
  input: IP;
  output: OP;
  errors: readonly ErrorName[];
  notes?: readonly string[];
}): ActionSpec<N, TObject<IP & MutationInput<M, T>>, TObject<OP & MutationOutput<M>>> & { readonly scope: S } {
  const clientToken = spec.clientToken === true;
  if (clientToken && !spec.mutates) throw new Error(`${spec.name}: only a mutating action takes a ClientToken`);
  const input = {
    ...spec.input,
    ...(spec.mutates && dryRunInput),
    ...(clientToken && clientTokenInput),
  } as IP & MutationInput<M, T>;
  const output = { ...spec.output, ...(spec.mutates && dryRunOutput) } as OP & MutationOutput<M>;
  return {
    ...spec,
    scope: spec.scope ?? ("tenant" as S),
    retrySafe: spec.retrySafe ?? true,
    clientToken,
    errors: clientToken ? [...spec.errors, "ClientTokenMismatch"] : spec.errors,
    input: Type.Object(input),
    output: Type.Object(output),
  };
}

/** Who may call an action and where, in one phrase (docs, help). */
export function scopeDescription(spec: Pick<ActionSpec, "scope">): string {
  switch (spec.scope) {
    case "operator":
      return "operator key only";
    case "account":
      return "any key, across what it may see (Region, ProjectId: optional filters)";
    default:
      return "company key, in Region/ProjectId";
  }
}

export type InputOfSpec<S extends ActionSpec> = Static<S["input"]>;
export type OutputOfSpec<S extends ActionSpec> = Static<S["output"]>;
