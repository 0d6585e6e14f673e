// `sgplane events`: the change feed after a cursor, printed once with the cursor to resume from, or followed.
import { EVENT_TYPE_NAMES, type EventType, parseCursor } from "@sgplane/catalogue";
import type { FeedEvent, SgplaneClient } from "@sgplane/sdk";
import { clientFor } from "./connect.ts";
import { EVENTS_COMMAND, listValues, parseExtraArgs } from "./extra-commands.ts";
import { EXIT } from "./global-flags.ts";
import { textValue } from "./parse-command.ts";
import { parseEnum, parseInteger, UsageError } from "./parse-values.ts";
import type { CliIo } from "./run.ts";

type Format = "text" | "json" | "jsonl";

interface EventsOptions {
  readonly after?: string;
  readonly types?: EventType[];
  readonly companyId?: number;
}

/** Events per request while listing (the most the server gives). */
const PAGE = 1000;

export async function eventsCommand(args: readonly string[], io: CliIo): Promise<number> {
  const { values, globals } = parseExtraArgs(EVENTS_COMMAND, args);
  const label = (flag: string) => `events --${flag}`;
  const types = listValues(values, "types")?.map((t) => parseEnum(t, EVENT_TYPE_NAMES, label("types")) as EventType);
  const company = textValue(values, "company-id");
  const after = textValue(values, "after");
  const options: EventsOptions = {
    ...(after !== undefined && { after }),
    ...(types !== undefined && { types }),
    ...(company !== undefined && { companyId: parseInteger(company, label("company-id")) }),
  };
  const format: Format = values.jsonl === true ? "jsonl" : values.json === true ? "json" : "text";
  if (values.follow === true && format === "json") {
    throw new UsageError("--follow prints a stream: use --jsonl for JSON (one event per line)", "events");
  }
  const client = await clientFor(globals, io.env);
  return values.follow === true ? follow(client, options, format, io) : list(client, options, format, io);
}

/** Every event after the cursor until caught up with the feed's head; then the cursor to go on from. */
async function list(client: SgplaneClient, options: EventsOptions, format: Format, io: CliIo): Promise<number> {
  const all: FeedEvent[] = [];
  let cursor = options.after;
  if (format === "text") io.stdout(`${HEADER}\n`);
  for (;;) {
    const page = await client.describeFeedEvents({
      Limit: PAGE,
      ...(cursor !== undefined && { After: cursor }),
      ...(options.types !== undefined && { Types: options.types }),
      ...(options.companyId !== undefined && { CompanyId: options.companyId }),
    });
    const progressed = page.Cursor !== cursor;
    cursor = page.Cursor;
    if (format === "json") all.push(...page.Events);
    else
      for (const event of page.Events) io.stdout(`${format === "jsonl" ? JSON.stringify(event) : eventLine(event)}\n`);
    // The reply's Cursor is past everything examined: once it reaches the head (or stops moving), we are caught up.
    const at = parseCursor(page.Cursor)?.position ?? Number.POSITIVE_INFINITY;
    if (at >= page.Head || (page.Events.length === 0 && !progressed)) break;
  }
  if (format === "json") io.stdout(`${JSON.stringify({ Events: all, Cursor: cursor }, null, 2)}\n`);
  else if (format === "jsonl") io.stderr(`Cursor: ${cursor}\n`);
  else io.stdout(`Cursor: ${cursor}  (resume: sgplane events --after ${cursor})\n`);
  return EXIT.ok;
}

/** Follows until Ctrl-C / SIGTERM (exit 0, the cursor on stderr); an expired cursor fails (RetCode 58301). */
async function follow(client: SgplaneClient, options: EventsOptions, format: Format, io: CliIo): Promise<number> {
  const stop = new AbortController();
  const release = io.onInterrupt?.(() => stop.abort()) ?? (() => {});
  const follower = client.followEvents({
    ...options,
    signal: stop.signal,
    onRetry: (error, failures, delayMs) =>
      io.stderr(`sgplane: ${error.message}; reconnecting in ${Math.round(delayMs)} ms (failure ${failures})\n`),
  });
  try {
    if (format === "text") io.stdout(`${HEADER}\n`);
    for await (const event of follower) {
      io.stdout(`${format === "jsonl" ? JSON.stringify(event) : eventLine(event)}\n`);
    }
  } finally {
    release();
    if (follower.cursor !== undefined) io.stderr(`Cursor: ${follower.cursor}\n`);
  }
  return EXIT.ok;
}

const COLUMNS = [
  ["Position", 8],
  ["Time", 24],
  ["Type", 22],
  ["ObjectId", 36],
  ["Action", 26],
  ["Detail", 0],
] as const;

const HEADER = row(COLUMNS.map(([name]) => name));

function row(cells: readonly string[]): string {
  return cells
    .map((c, i) => c.padEnd(COLUMNS[i]?.[1] ?? 0))
    .join("  ")
    .trimEnd();
}

/** One line per event, fixed columns so a stream of them lines up without knowing what comes next. */
export function eventLine(event: FeedEvent): string {
  return row([
    String(event.Position),
    new Date(event.Time).toISOString(),
    event.Type,
    event.ObjectId,
    event.Action,
    detail(event),
  ]);
}

/** The few fields that say what the object now is (for a deletion: what it was). */
function detail(event: FeedEvent): string {
  const s = event.State as unknown as Record<string, unknown>;
  const pick = (...keys: string[]) =>
    keys
      .filter((k) => s[k] !== undefined && s[k] !== "")
      .map((k) => `${k}=${Array.isArray(s[k]) ? (s[k] as unknown[]).join(",") : String(s[k])}`)
      .join(" ");
  switch (event.Kind) {
    case "SecGroup":
      return pick("Name", "VPCId");
    case "Rule":
      return pick("SecGroupId", "Direction", "ProtocolType", "DstPort", "IPRange", "RuleAction", "Priority");
    case "Binding":
      return pick("Priority");
    case "Resource":
      return pick("Name", "SecurityMode", "VPCId");
    default:
      return pick("Name");
  }
}
