// Prints a response: aligned tables for lists of records, `Key: value` lines for the rest, or JSON for scripts.

type Row = Record<string, unknown>;

export function renderJson(output: Record<string, unknown>): string {
  return `${JSON.stringify(output, null, 2)}\n`;
}

/** Human output. Generic over the catalogue's outputs, so a new action prints sensibly without code here. */
export function renderHuman(action: string, output: Record<string, unknown>): string {
  const entries = Object.entries(output);
  if (entries.length === 0) return `${action}: OK\n`;
  const blocks: string[] = [];
  const lines: string[] = [];
  for (const [key, value] of entries) {
    if (isRecordList(value)) {
      if (value.length === 0) lines.push(`${key}: (none)`);
      else blocks.push(renderRecords(value));
    } else if (isPlainObject(value)) {
      blocks.push(`${key}:\n${JSON.stringify(value, null, 2)}`);
    } else {
      lines.push(`${key}: ${cell(value)}`);
    }
  }
  return `${[...blocks, ...(lines.length > 0 ? [lines.join("\n")] : [])].join("\n\n")}\n`;
}

function isPlainObject(value: unknown): value is Row {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function isRecordList(value: unknown): value is Row[] {
  return Array.isArray(value) && value.length > 0 && value.every(isPlainObject);
}

// Records with this many fields or more get their own table under the parent (a group's rules); smaller ones
// (a resource's bindings) are summarised in one cell.
const OWN_TABLE_FIELDS = 5;

/** A table of records, then one sub-table per record for each long nested list (e.g. the rules of each group). */
function renderRecords(rows: readonly Row[]): string {
  const flat = rows.map((r) => flattenRow(r));
  const table = renderTable(flat.map((f) => f.cells));
  const subTables = flat.flatMap((f) =>
    f.nested.map(({ key, rows: nested }) => `${key} of ${f.label}:\n${indent(renderRecords(nested))}`),
  );
  return [table, ...subTables].join("\n\n");
}

interface FlatRow {
  readonly label: string;
  readonly cells: Record<string, string>;
  readonly nested: { key: string; rows: Row[] }[];
}

function flattenRow(row: Row): FlatRow {
  const cells: Record<string, string> = {};
  const nested: { key: string; rows: Row[] }[] = [];
  const visit = (obj: Row, prefix: string) => {
    for (const [key, value] of Object.entries(obj)) {
      const name = `${prefix}${key}`;
      if (isRecordList(value) && Object.keys(value[0] ?? {}).length >= OWN_TABLE_FIELDS) {
        cells[name] = String(value.length);
        nested.push({ key: name, rows: value });
      } else if (isRecordList(value)) {
        cells[name] = value.map(summary).join(" ");
      } else if (isPlainObject(value)) {
        visit(value, `${name}.`);
      } else {
        cells[name] = cell(value);
      }
    }
  };
  visit(row, "");
  return { label: Object.values(cells)[0] ?? "", cells, nested };
}

/** A nested record in one word: its first value, with its Priority when it has one (secgroup-a:1). */
function summary(row: Row): string {
  const first = cell(Object.values(row)[0]);
  return row.Priority === undefined ? first : `${first}:${cell(row.Priority)}`;
}

function cell(value: unknown): string {
  if (value === undefined || value === null) return "";
  if (Array.isArray(value)) return value.map(cell).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/** Aligned columns (one per key, empty columns left out), a header line first. */
export function renderTable(rows: readonly Record<string, string>[]): string {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) =>
    rows.some((r) => (r[c] ?? "") !== ""),
  );
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => width(r[c] ?? ""))));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v + " ".repeat((widths[i] ?? 0) - width(v))))
      .join("  ")
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => r[c] ?? "")))].join("\n");
}

/** Display width: CJK and other wide characters take two columns in a terminal. */
function width(text: string): number {
  let w = 0;
  for (const ch of text)
    w += /[\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6]/u.test(ch)
      ? 2
      : 1;
  return w;
}

function indent(text: string): string {
  return text
    .split("\n")
    .map((l) => (l === "" ? l : `  ${l}`))
    .join("\n");
}
