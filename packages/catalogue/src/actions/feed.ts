// The change feed (docs/feed.md): follow changes from a cursor (long-poll; GET /feed streams the same as SSE), and
// the consistent snapshot to start from (list-then-watch).
import { Type } from "@sinclair/typebox";
import { defineAction } from "../action-spec.ts";
import { EVENT_TYPE_NAMES } from "../feed.ts";
import { FeedEvent, FeedSnapshot } from "../feed-models.ts";
import { Enum, Text } from "../fields.ts";
import { CompanyId } from "../seed.ts";

const account = { scope: "account", mutates: false } as const;

const FilterNotes = [
  "Scope: a company's main-account key sees its company's events; a sub-account only those of the projects it is " +
    "granted (and none that belong to no project); an operator key everything (CompanyId narrows it to one company).",
  "Region and ProjectId, when sent, narrow the result to objects of that region / project; objects that have no " +
    "region (companies, projects, users, keys) or no project (companies, users, keys) pass either filter.",
];

export const DescribeFeedEvents = defineAction({
  ...account,
  name: "DescribeFeedEvents",
  summary: "Changes after a cursor, in commit order; waits up to WaitSeconds for the first one (long-poll).",
  input: {
    After: Type.Optional(
      Text("Cursor to resume after (an event's Cursor, or a reply's); absent: from now.", 64, {
        pattern: "^[0-9a-f]{16}-[0-9]{1,15}$",
        format_hint: "a feed cursor (an event's Cursor or a reply's)",
      }),
    ),
    WaitSeconds: Type.Optional(
      Type.Integer({
        description: "When nothing is there yet, wait this long for a change (default 0: answer at once).",
        minimum: 0,
        maximum: 60,
      }),
    ),
    Limit: Type.Optional(
      Type.Integer({ description: "Most events per reply (default 100; 0 means 100).", minimum: 0, maximum: 1000 }),
    ),
    Types: Type.Optional(
      Type.Array(Enum(EVENT_TYPE_NAMES, { description: "An event type." }), {
        description: "Only events of these types (default: all).",
        maxItems: 64,
      }),
    ),
    CompanyId: Type.Optional({ ...CompanyId, description: "Operator key: only this company's events." }),
  },
  output: {
    Events: Type.Array(FeedEvent, { description: "The changes, in position order." }),
    Cursor: Type.String({ description: "Resume point for the next call (past every event examined)." }),
    Head: Type.Integer({ description: "The feed's latest position when the reply was made." }),
  },
  errors: ["FeedCursorExpired", "FeedDisabled", "ProjectNotFound", "PermissionDenied"],
  notes: [
    ...FilterNotes,
    "A cursor older than the retention window (--feed-retention) answers 58301: take a snapshot again. A cursor of " +
      "another feed (another database) or a malformed one answers 230 naming After.",
    "GET /feed with the same signed query parameters streams the events as Server-Sent Events (id: the Cursor; " +
      "resume with Last-Event-ID).",
  ],
});

export const DescribeFeedSnapshot = defineAction({
  ...account,
  name: "DescribeFeedSnapshot",
  summary: "Everything the key may see, consistent, with the feed position it was taken at (list, then watch).",
  input: {
    CompanyId: Type.Optional({ ...CompanyId, description: "Operator key: only this company." }),
  },
  output: FeedSnapshot,
  errors: ["FeedDisabled", "ProjectNotFound", "PermissionDenied"],
  notes: [
    ...FilterNotes,
    "Follow with DescribeFeedEvents After=Cursor: every change committed after the snapshot arrives once, and none " +
      "that the snapshot already shows.",
  ],
});
