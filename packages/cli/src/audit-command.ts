// `sgplane audit`: search the audit trail with friendly flags (times like -1h), as a table, JSON, or an export.
import type { ActionInput, feedModels } from "@sgplane/catalogue";
import type { SgplaneClient } from "@sgplane/sdk";
import { clientFor } from "./connect.ts";
import { AUDIT_COMMAND, listValues, type ParsedExtra, parseExtraArgs } from "./extra-commands.ts";
import { EXIT } from "./global-flags.ts";
import { renderTable } from "./output.ts";
import { textValue } from "./parse-command.ts";
import { parseInteger, UsageError } from "./parse-values.ts";
import type { CliIo } from "./run.ts";
import { parseTime } from "./time-values.ts";

type AuditInput = ActionInput<"DescribeAuditRecords">;
type AuditRecord = feedModels.AuditRecord;

/** Records per request when exporting (the most the server gives). */
const PAGE = 1000;

export async function auditCommand(args: readonly string[], io: CliIo, now: number = Date.now()): Promise<number> {
  const { values, globals } = parseExtraArgs(AUDIT_COMMAND, args);
  const { filter, limit, offset } = auditInput(values, now);
  const client = await clientFor(globals, io.env);
  if (values.jsonl === true) return exportRecords(client, filter, limit, offset, io);
  const page = await client.describeAuditRecords({
    ...filter,
    ...(limit !== undefined && { Limit: limit }),
    ...(offset !== undefined && { Offset: offset }),
  });
  const { $metadata: _metadata, ...answer } = page;
  if (values.json === true) {
    io.stdout(`${JSON.stringify(answer, null, 2)}\n`);
    return EXIT.ok;
  }
  const first = (offset ?? 0) + 1;
  const shown = page.Records.length === 0 ? "none shown" : `${first}–${first + page.Records.length - 1} shown`;
  const table = page.Records.length === 0 ? "" : `${renderTable(page.Records.map(auditRow))}\n\n`;
  io.stdout(`${table}TotalCount: ${page.TotalCount} (${shown}, newest first)\n`);
  return EXIT.ok;
}

interface ParsedAudit {
  readonly filter: AuditInput;
  readonly limit: number | undefined;
  readonly offset: number | undefined;
}

function auditInput(values: ParsedExtra["values"], now: number): ParsedAudit {
  const label = (flag: string) => `audit --${flag}`;
  const text = (flag: string) => textValue(values, flag);
  const integer = (flag: string, min: number) => {
    const t = text(flag);
    if (t === undefined) return undefined;
    const n = parseInteger(t, label(flag));
    if (n < min) throw new UsageError(`${label(flag)}: must be ≥ ${min}`, "audit");
    return n;
  };
  if (values.failed === true && values["no-failed"] === true) {
    throw new UsageError("--failed and --no-failed contradict each other", "audit");
  }
  const start = text("start");
  const end = text("end");
  const actions = listValues(values, "action");
  const retCodes = listValues(values, "ret-code")?.map((c) => parseInteger(c, label("ret-code")));
  const failed = values.failed === true ? true : values["no-failed"] === true ? false : undefined;
  const optional = <K extends keyof AuditInput>(key: K, value: AuditInput[K] | undefined) =>
    value === undefined ? {} : { [key]: value };
  const filter: AuditInput = {
    ...optional("StartTime", start === undefined ? undefined : parseTime(start, label("start"), now)),
    ...optional("EndTime", end === undefined ? undefined : parseTime(end, label("end"), now)),
    ...optional("Actions", actions),
    ...optional("ResourceId", text("resource-id")),
    ...optional("SecGroupId", text("sec-group-id")),
    ...optional("CallerPublicKey", text("key")),
    ...optional("UserName", text("user")),
    ...optional("RetCode", retCodes),
    ...optional("Failed", failed),
    ...optional("CompanyId", integer("company-id", 0)),
  };
  return { filter, limit: integer("limit", 0), offset: integer("offset", 0) };
}

/**
 * Pages through every match (or `limit` of them), one JSON object per line. Calls recorded meanwhile (this export's
 * own among them) arrive newest first and push older records to later offsets, so a page may repeat records of the
 * previous one, never skip one: each record is printed once, by Id.
 */
async function exportRecords(
  client: SgplaneClient,
  filter: AuditInput,
  limit: number | undefined,
  offset: number | undefined,
  io: CliIo,
): Promise<number> {
  const seen = new Set<number>();
  let at = offset ?? 0;
  for (;;) {
    const want = limit === undefined ? PAGE : Math.min(PAGE, limit - seen.size);
    if (want <= 0) break;
    const page = await client.describeAuditRecords({ ...filter, Offset: at, Limit: want });
    for (const record of page.Records) {
      if (seen.has(record.Id) || (limit !== undefined && seen.size >= limit)) continue;
      seen.add(record.Id);
      io.stdout(`${JSON.stringify(record)}\n`);
    }
    at += page.Records.length;
    if (page.Records.length < want) break;
  }
  return EXIT.ok;
}

/** A record as one table row: when, what, who, from where, the outcome. */
function auditRow(r: AuditRecord): Record<string, string> {
  return {
    Time: new Date(r.Time).toISOString(),
    Action: r.Action,
    RetCode: String(r.RetCode),
    Caller: r.Operator ? `operator ${r.PublicKey}` : r.UserName || r.PublicKey,
    Target: targets(r.Params),
    SourceIp: r.SourceIp,
    Events: r.EventCount > 0 ? String(r.EventCount) : "",
    RequestId: r.RequestId,
    Message: r.Message,
  };
}

/** The resources and groups a call named, however it sent them (ResourceId, ResourceId.0, a JSON array). */
function targets(params: Readonly<Record<string, unknown>>): string {
  const out: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (!/^(ResourceId|SecGroupId)(\.\d+)?$/.test(key)) continue;
    for (const v of Array.isArray(value) ? value : [value]) if (typeof v === "string" && v !== "") out.push(v);
  }
  return [...new Set(out)].join(",");
}
