// DescribeFeedEvents: the changes after a cursor that the key may see; waits (long-poll) when there are none yet.
import type { Handler } from "../context.ts";
import { feedOf, viewOf } from "./view.ts";

const DEFAULT_LIMIT = 100;

export const describeFeedEvents: Handler<"DescribeFeedEvents"> = async (input, ctx) => {
  const feed = feedOf(ctx);
  const filter = { ...viewOf(ctx, input.CompanyId), ...(input.Types !== undefined && { types: input.Types }) };
  const limit = input.Limit === undefined || input.Limit === 0 ? DEFAULT_LIMIT : input.Limit;
  const deadline = Date.now() + (input.WaitSeconds ?? 0) * 1000;
  let after = await feed.positionOf(input.After);
  const gone = ctx.clientGone?.();
  for (;;) {
    const page = await feed.read(after, filter, limit);
    const remaining = deadline - Date.now();
    // A closed hub (the server is stopping) no longer waits: answer now, or this loop would spin to the deadline.
    if (page.events.length > 0 || remaining <= 0 || gone?.aborted === true || feed.closed) {
      return { Events: [...page.events], Cursor: feed.cursor(page.next), Head: page.head };
    }
    after = page.next;
    await feed.waitPast(page.head, remaining, gone);
  }
};
