// DescribeAuditRecords: the calls the key may see, newest first, by time, action, object, key, user and RetCode.
import { ApiError, type feedModels } from "@sgplane/catalogue";
import { pageOf } from "../../domain/paging.ts";
import type { AuditRow } from "../../store/port.ts";
import type { Handler } from "../context.ts";
import { viewOf } from "./view.ts";

const DEFAULT_LIMIT = 100;

export const describeAuditRecords: Handler<"DescribeAuditRecords"> = async (input, ctx) => {
  if (!ctx.auditing) throw new ApiError("AuditDisabled", {});
  const view = viewOf(ctx, input.CompanyId);
  const objectIds = [input.ResourceId, input.SecGroupId].filter((id): id is string => id !== undefined);
  const query = {
    ...view,
    ...(input.StartTime !== undefined && { startMs: input.StartTime }),
    ...(input.EndTime !== undefined && { endMs: input.EndTime }),
    ...(input.Actions !== undefined && { actions: input.Actions }),
    ...(objectIds.length > 0 && { objectIds }),
    ...(input.CallerPublicKey !== undefined && { publicKey: input.CallerPublicKey }),
    ...(input.UserName !== undefined && { userName: input.UserName }),
    ...(input.RetCode !== undefined && { retCodes: input.RetCode }),
    ...(input.Failed !== undefined && { failed: input.Failed }),
    ...(input.DryRun !== undefined && { dryRun: input.DryRun }),
  };
  const limit = input.Limit === undefined || input.Limit === 0 ? DEFAULT_LIMIT : input.Limit;
  const page = await ctx.store.read((tx) => tx.auditRecords(query, pageOf(input.Offset, limit)));
  return { Records: page.rows.map(auditRecord), TotalCount: page.total };
};

function auditRecord(r: AuditRow): feedModels.AuditRecord {
  return {
    Id: r.id,
    Time: r.timeMs,
    RequestId: r.requestId,
    Action: r.action,
    PublicKey: r.publicKey,
    Authenticated: r.authenticated,
    Operator: r.operator,
    ...(r.companyId !== null && { CompanyId: r.companyId }),
    UserName: r.userName,
    SubAccount: r.subAccount,
    SourceIp: r.sourceIp,
    UserAgent: r.userAgent,
    Region: r.region,
    ProjectId: r.projectId,
    Params: r.allParams,
    RetCode: r.retCode,
    Message: r.message,
    Mutating: r.mutating,
    DryRun: r.dryRun === true,
    EventCount: r.eventCount,
    ...(r.firstPosition !== undefined && { FirstPosition: r.firstPosition }),
    ...(r.lastPosition !== undefined && { LastPosition: r.lastPosition }),
  };
}
