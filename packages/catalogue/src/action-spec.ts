// What one catalogue entry declares about an action; everything else (validation, SDK, CLI, docs) derives from it.
import { type Static, type TObject, type TProperties, type TSchema, Type } from "@sinclair/typebox";
import type { ErrorName } from "./errors.ts";

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
  readonly input: I;
  readonly output: O;
  /** Business errors this action raises on top of the gateway codes every action can answer. */
  readonly errors: readonly ErrorName[];
  readonly notes?: readonly string[];
}

// S keeps the scope a literal type, so ContextFor / TenantActionName can tell tenant actions from admin ones.
export function defineAction<
  const N extends string,
  IP extends TProperties,
  OP extends TProperties,
  const S extends ActionScope = "tenant",
>(spec: {
  name: N;
  summary: string;
  scope?: S;
  mutates: boolean;
  retrySafe?: boolean;
  requiresProjectId?: boolean;
  input: IP;
  output: OP;
  errors: readonly ErrorName[];
  notes?: readonly string[];
}): ActionSpec<N, TObject<IP>, TObject<OP>> & { readonly scope: S } {
  return {
    ...spec,
    scope: spec.scope ?? ("tenant" as S),
    retrySafe: spec.retrySafe ?? true,
    input: Type.Object(spec.input),
    output: Type.Object(spec.output),
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
