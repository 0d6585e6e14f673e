// The account-wide handlers: the change feed and the audit trail.
import { describeAuditRecords } from "./describe-audit-records.ts";
import { describeFeedEvents } from "./describe-feed-events.ts";
import { describeFeedSnapshot } from "./describe-feed-snapshot.ts";

export const accountHandlers = {
  DescribeFeedEvents: describeFeedEvents,
  DescribeFeedSnapshot: describeFeedSnapshot,
  DescribeAuditRecords: describeAuditRecords,
} as const;
