// Reading catalogue schemas as text (type names, limits), shared by the docs, the CLI help and the SDK reference.
import { Kind, type TArray, type TObject, type TSchema } from "@sinclair/typebox";
import { enumValues } from "./fields.ts";

export type { TArray, TObject, TSchema };

/** TypeBox's kind of a schema ("String", "Integer", "Array", "Object", "Union", ...). */
export function schemaKind(schema: TSchema): string {
  return String(schema[Kind]);
}

export function typeName(schema: TSchema): string {
  const values = enumValues(schema);
  if (values !== undefined) return values.map((v) => `\`${v}\``).join(" \\| ");
  switch (schema[Kind]) {
    case "Integer":
      return "int";
    case "Boolean":
      return "bool";
    case "Array":
      return `${typeName((schema as TArray).items)}[]`;
    case "Object":
      return "object";
    default:
      return "string";
  }
}

export function limits(schema: TSchema): string {
  const parts: string[] = [];
  const s = schema as Record<string, unknown>;
  if (s.minimum !== undefined || s.maximum !== undefined) parts.push(`${s.minimum ?? ""}–${s.maximum ?? ""}`);
  if (s.maxLength !== undefined) parts.push(`≤ ${s.maxLength} chars`);
  if (s.maxItems !== undefined) parts.push(`≤ ${s.maxItems} items`);
  if (s.format_hint !== undefined) parts.push("id");
  if (schema[Kind] === "Array") {
    const inner = limits((schema as TArray).items);
    if (inner) parts.push(`each ${inner}`);
  }
  return parts.join(", ");
}
