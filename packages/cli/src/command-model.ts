// How each catalogue action appears on the command line: a kebab-case subcommand with one flag per input field.
import {
  type ActionName,
  type ActionSpec,
  actionNames,
  catalogue,
  enumValues,
  schemaKind,
  type TArray,
  type TObject,
  type TSchema,
} from "@sgplane/catalogue";
import { CONNECTION_FLAGS, type ConnectionKey, GLOBAL_FLAGS } from "./global-flags.ts";

export type FlagKind = "string" | "integer" | "boolean" | "string-list" | "integer-list" | "object-list" | "object";

export interface FieldFlag {
  /** Wire name, e.g. SecGroupId. */
  readonly field: string;
  /** Flag name without dashes, e.g. sec-group-id. */
  readonly flag: string;
  readonly kind: FlagKind;
  readonly required: boolean;
  readonly schema: TSchema;
  /** The item schema of a list (its fields, for object lists). */
  readonly item?: TSchema;
  /** Set when the field has the same wire key as a connection setting (Region, ProjectId): one flag serves both. */
  readonly connection?: ConnectionKey;
}

export interface Command {
  readonly name: string;
  readonly action: ActionName;
  readonly spec: ActionSpec;
  readonly flags: readonly FieldFlag[];
}

/** SecGroupId → sec-group-id, VPCId → vpc-id, IPRange → ip-range, AdminCreateVPC → admin-create-vpc. */
export function kebab(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1-$2")
    .toLowerCase();
}

function scalarKind(schema: TSchema): "string" | "integer" | "boolean" | "object" {
  switch (schemaKind(schema)) {
    case "Integer":
    case "Number":
      return "integer";
    case "Boolean":
      return "boolean";
    case "Object":
      return "object";
    default:
      return "string";
  }
}

export function flagKind(schema: TSchema): FlagKind {
  if (schemaKind(schema) !== "Array") return scalarKind(schema);
  const item = scalarKind((schema as TArray).items);
  if (item === "object") return "object-list";
  return item === "integer" ? "integer-list" : "string-list";
}

export function isList(kind: FlagKind): boolean {
  return kind.endsWith("-list");
}

function fieldFlags(input: TObject): FieldFlag[] {
  const required = new Set(input.required ?? []);
  return Object.entries(input.properties).map(([field, schema]) => {
    const flag = kebab(field);
    const kind = flagKind(schema);
    const connection = CONNECTION_FLAGS[flag]?.key;
    if (connection === undefined && Object.hasOwn(GLOBAL_FLAGS, flag)) {
      throw new Error(`catalogue field ${field} collides with the global flag --${flag}`);
    }
    return {
      field,
      flag,
      kind,
      required: required.has(field),
      schema,
      ...(isList(kind) && { item: (schema as TArray).items }),
      ...(connection !== undefined && { connection }),
    };
  });
}

export const commands: readonly Command[] = actionNames.map((action) => {
  const spec: ActionSpec = catalogue[action];
  return { name: kebab(action), action, spec, flags: fieldFlags(spec.input) };
});

const byName = new Map(commands.map((c) => [c.name, c]));

export function findCommand(name: string): Command | undefined {
  return byName.get(name);
}

/** Closest subcommand names, for "did you mean" on a typo. */
export function suggest(name: string): string[] {
  const scored = commands.map((c) => ({ name: c.name, d: distance(name, c.name) }));
  const best = Math.min(...scored.map((s) => s.d));
  if (best > Math.max(3, name.length / 3)) return commands.filter((c) => c.name.includes(name)).map((c) => c.name);
  return scored.filter((s) => s.d === best).map((s) => s.name);
}

function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      next.push(Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost));
    }
    row = next;
  }
  return row[b.length] ?? 0;
}

/** The placeholder shown after a flag in help: the enum values, ID, N, TEXT, K=V,… or JSON. */
export function metavar(flag: FieldFlag): string {
  const values = enumValues(flag.item ?? flag.schema);
  if (values !== undefined) return values.join("|");
  switch (flag.kind) {
    case "boolean":
      return "";
    case "integer":
    case "integer-list":
      return "N";
    case "object":
      return "JSON";
    case "object-list":
      return Object.keys((flag.item as TObject).properties)
        .map((k) => `${k}=…`)
        .join(",");
    default:
      return (flag.item ?? flag.schema).format_hint !== undefined ? "ID" : "TEXT";
  }
}
