// Points in time on the command line: ISO-8601, Unix milliseconds, `now`, or a span ago (-1h, 30m, "2d ago").
import { UsageError } from "./parse-values.ts";

const UNITS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** How the flags' help describes the accepted forms (one sentence, shared by help and docs). */
export const TIME_FORMS =
  "ISO-8601 (2024-05-01, 2024-05-01T10:00:00Z; without a zone: UTC), Unix milliseconds, now, or a span ago: " +
  "30m, 1h, 2d, 90s, 1w, also written -1h (as --start=-1h) or '1h ago'";

/** Unix milliseconds for a time flag's text; `now` is injectable so tests can pin it. */
export function parseTime(text: string, label: string, now: number = Date.now()): number {
  const t = text.trim().toLowerCase();
  if (t === "now") return now;
  const span = /^-?\s*(\d{1,9})\s*(ms|s|m|h|d|w)(?:\s+ago)?$/.exec(t);
  if (span !== null) return now - Number(span[1]) * (UNITS[span[2] as string] ?? Number.NaN);
  if (/^\d{10,16}$/.test(t)) return Number(t);
  const iso = /^(\d{4}-\d{2}-\d{2})(?:[t ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?)(z|[+-]\d{2}:?\d{2})?)?$/.exec(t);
  if (iso !== null) {
    // A date or a time without a zone is UTC: the server's audit times are UTC, and a default that depends on
    // the machine's zone makes the same command select different records on different machines.
    const [, date, time = "00:00", zone = "z"] = iso;
    const ms = Date.parse(`${date}T${time}${zone === "z" ? "Z" : zone}`);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(`${label}: expected a time (${TIME_FORMS}), got "${text}"`);
}
