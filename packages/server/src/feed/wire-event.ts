// A stored event as the wire's FeedEvent (catalogue feed-models.ts), rendered once and its JSON text remembered.
import { EVENT_TYPES, type feedModels, formatCursor } from "@sgplane/catalogue";
import { withRememberedJson } from "../protocol/encode-envelope.ts";
import type { FeedEventRow } from "../store/port.ts";

export function wireEvent(feedId: string, e: FeedEventRow): feedModels.FeedEvent {
  const { kind, change } = EVENT_TYPES[e.type];
  return withRememberedJson({
    Position: e.position,
    Cursor: formatCursor(feedId, e.position),
    Time: e.timeMs,
    Type: e.type,
    Kind: kind,
    Change: change,
    ObjectId: e.objectId,
    ...(e.companyId !== null && { CompanyId: e.companyId }),
    ...(e.projectId !== null && { ProjectId: e.projectId }),
    ...(e.region !== null && { Region: e.region }),
    RequestId: e.requestId,
    Action: e.action,
    State: e.state as feedModels.ObjectState,
  });
}
