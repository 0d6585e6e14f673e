// Expands `IN (?…)` to a few bucketed sizes, so each query has at most ~10 prepared shapes, however many ids.
import type { DbInt } from "./rows.ts";

/** The marker a query template uses where the id list goes; the ids are always its last parameters. */
export const IDS = "(?…)";
const CHUNK = 512;

const expanded = new Map<string, Map<number, string>>();

function bucket(n: number): number {
  let b = 1;
  while (b < n) b *= 2;
  return b;
}

/** The template with IDS replaced by `(?, ?, …)` of the bucket size for n ids (memoised: same string object). */
export function expandIds(template: string, n: number): string {
  const size = bucket(n);
  let byTemplate = expanded.get(template);
  if (byTemplate === undefined) {
    byTemplate = new Map();
    expanded.set(template, byTemplate);
  }
  let sql = byTemplate.get(size);
  if (sql === undefined) {
    sql = template.replace(IDS, `(${Array.from({ length: size }, () => "?").join(", ")})`);
    byTemplate.set(size, sql);
  }
  return sql;
}

/** Distinct ids in chunks of at most CHUNK, each padded (repeating its last id) to its bucket size. */
export function idChunks(ids: readonly string[]): string[][] {
  const distinct = [...new Set(ids)];
  const chunks: string[][] = [];
  for (let i = 0; i < distinct.length; i += CHUNK) {
    const chunk = distinct.slice(i, i + CHUNK);
    const last = chunk[chunk.length - 1];
    if (last !== undefined) {
      for (let n = bucket(chunk.length) - chunk.length; n > 0; n--) chunk.push(last);
    }
    chunks.push(chunk);
  }
  return chunks;
}

/** Merges per-chunk results that were each ordered by seq. */
export function bySeq<T extends { seq: DbInt }>(rows: T[]): T[] {
  return rows.sort((a, b) => Number(a.seq) - Number(b.seq));
}
