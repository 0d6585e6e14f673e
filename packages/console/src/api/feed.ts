// Live updates: follows the change feed by long-poll (DescribeFeedEvents with WaitSeconds) from "now" and tells
// listeners about each page of events; a network failure pauses it and it resumes from the last cursor.
import type { ActionOutput } from "@sgplane/catalogue/wire";
import { type Api, CallError } from "./client.ts";

export type FeedEvent = ActionOutput<"DescribeFeedEvents">["Events"][number];
export type FeedStatus = "connecting" | "live" | "paused" | "off";

export interface FeedCallbacks {
  readonly onEvents: (events: readonly FeedEvent[]) => void;
  readonly onStatus: (status: FeedStatus, detail?: string) => void;
}

/** Starts following; the returned function stops it. */
export function followFeed(api: Api, callbacks: FeedCallbacks): () => void {
  const stop = new AbortController();
  void (async () => {
    let after: string | undefined;
    let failures = 0;
    callbacks.onStatus("connecting");
    while (!stop.signal.aborted) {
      try {
        const page = await api.call(
          "DescribeFeedEvents",
          { WaitSeconds: after === undefined ? 0 : 20, Limit: 500, ...(after !== undefined && { After: after }) },
          {},
          stop.signal,
        );
        failures = 0;
        callbacks.onStatus("live");
        // The first call only finds the head: what happened before sign-in is the pages' business, not the feed's.
        if (after !== undefined && page.Events.length > 0) callbacks.onEvents(page.Events);
        after = page.Cursor;
      } catch (error) {
        if (stop.signal.aborted) return;
        if (error instanceof CallError && error.retCode === 58302) {
          callbacks.onStatus("off", "the server keeps no change feed (--feed off)");
          return;
        }
        if (error instanceof CallError && error.retCode === 58301) after = undefined; // behind retention: from now
        failures++;
        callbacks.onStatus("paused", error instanceof CallError ? error.describe : String(error));
        await new Promise((resolve) => setTimeout(resolve, Math.min(10_000, 500 * 2 ** failures)));
      }
    }
  })();
  return () => stop.abort();
}
