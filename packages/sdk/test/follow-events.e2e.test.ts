// client.followEvents against the real server, long-polling and streaming: order, filters, resuming across a server restart without skipping or
// repeating, prompt ending on break / return() / abort, and the typed error for an expired cursor.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { formatCursor, parseCursor } from "@sgplane/catalogue";
import { FeedCursorExpiredError, type FeedEvent, RetCodeError, SgplaneClient, type SgplaneError } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, type ServerProcess, startServer } from "../../server/test/harness.ts";

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), "sgplane-follow-"));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function demoClient(server: ServerProcess | string): SgplaneClient {
  const url = typeof server === "string" ? server : server.url;
  // Fast backoff so that a test waiting for a resumption does not wait out the default 2 s steps.
  return new SgplaneClient({ baseUrl: url, region: "cn-bj2", ...DEMO, retry: { baseDelayMs: 50, maxDelayMs: 400 } });
}

/** Takes events from an iterator until `count` arrived (or fails after `ms`). */
async function take(it: AsyncIterator<FeedEvent>, count: number, ms = 20_000): Promise<FeedEvent[]> {
  const out: FeedEvent[] = [];
  const deadline = Date.now() + ms;
  while (out.length < count) {
    const left = deadline - Date.now();
    const next = await Promise.race([
      it.next(),
      new Promise<"late">((resolve) => setTimeout(() => resolve("late"), Math.max(0, left)).unref()),
    ]);
    if (next === "late") assert.fail(`only ${out.length} of ${count} events within ${ms} ms`);
    if (next.done) assert.fail(`the follower ended after ${out.length} of ${count} events`);
    out.push(next.value);
  }
  return out;
}

const what = (events: readonly FeedEvent[]) => events.map((e) => `${e.Type} ${e.ObjectId}`);

function positions(events: readonly FeedEvent[]): number[] {
  return events.map((e) => e.Position);
}

// Every test runs over both transports: long polls, and the Server-Sent Events stream of GET /feed.
for (const transport of ["poll", "stream"] as const) {
  describe(`followEvents (${transport}) against one server`, { timeout: 120_000 }, () => {
    let server: ServerProcess;
    let client: SgplaneClient;
    before(async () => {
      server = await startServer({ seed: EXAMPLE_SEED });
      client = demoClient(server);
    });
    after(async () => {
      await server?.stop();
    });

    it("yields each change once, in position order, from a snapshot's cursor; each event's Cursor resumes after it", async () => {
      const { Cursor } = await client.describeFeedSnapshot();
      const follower = client.followEvents({ transport, after: Cursor, waitSeconds: 10 });
      const it = follower[Symbol.asyncIterator]();
      const first = take(it, 1);
      const { SecGroupId } = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "follow-a" });
      await client.associateSecGroup({
        ResourceId: ["uhost-demo02"],
        PrioritySecGroup: [{ SecGroupId, Priority: 4 }],
      });
      await client.updateSecGroup({ SecGroupId: [SecGroupId], Name: "follow-b" });
      const events = [...(await first), ...(await take(it, 2))];
      assert.deepEqual(what(events), [
        `SecGroupCreated ${SecGroupId}`,
        `BindingAdded uhost-demo02/${SecGroupId}`,
        `SecGroupUpdated ${SecGroupId}`,
      ]);
      const at = positions(events);
      assert.deepEqual(
        at,
        [...at].sort((a, b) => a - b),
      );
      assert.equal(new Set(at).size, at.length);
      assert.equal(follower.cursor, events[2]?.Cursor);
      await it.return?.();

      // Resuming from the middle event's Cursor gives exactly the one after it.
      const resumed = client
        .followEvents({ transport, after: events[1]?.Cursor ?? "", waitSeconds: 5 })
        [Symbol.asyncIterator]();
      assert.deepEqual(what(await take(resumed, 1)), [`SecGroupUpdated ${SecGroupId}`]);
      await resumed.return?.();
      await client.disassociateSecGroup({ ResourceId: ["uhost-demo02"], SecGroupId: [SecGroupId] });
      await client.deleteSecGroup({ SecGroupId: [SecGroupId] });
    });

    it("types filters the events, and the cursor moves past the others", async () => {
      const { Cursor } = await client.describeFeedSnapshot();
      const follower = client.followEvents({ transport, after: Cursor, types: ["SecGroupDeleted"], waitSeconds: 10 });
      const it = follower[Symbol.asyncIterator]();
      const pending = take(it, 1);
      const { SecGroupId } = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "filtered" });
      await client.updateSecGroup({ SecGroupId: [SecGroupId], Name: "filtered-2" });
      await client.deleteSecGroup({ SecGroupId: [SecGroupId] });
      const [deleted] = await pending;
      assert.equal(deleted?.Type, "SecGroupDeleted");
      assert.equal(deleted?.ObjectId, SecGroupId);
      const before = parseCursor(Cursor)?.position ?? Number.NaN;
      // Created and Updated came first and were skipped, not lost: the deletion is at least two positions later.
      assert.ok((deleted?.Position ?? 0) >= before + 3, `${deleted?.Position} after ${before}`);
      await it.return?.();
    });

    if (transport === "stream") {
      it("stream: the cursor moves past filtered-out events while none it wants arrives (progress)", async () => {
        const { Cursor } = await client.describeFeedSnapshot();
        const follower = client.followEvents({ transport, after: Cursor, types: ["SecGroupDeleted"] });
        const it = follower[Symbol.asyncIterator]();
        const pending = it.next();
        const { SecGroupId } = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "progress" });
        const created = parseCursor(Cursor)?.position ?? 0;
        const deadline = Date.now() + 10_000;
        while ((parseCursor(follower.cursor ?? "")?.position ?? 0) <= created) {
          assert.ok(Date.now() < deadline, `the cursor stayed at ${follower.cursor}`);
          await new Promise((r) => setTimeout(r, 50));
        }
        await client.deleteSecGroup({ SecGroupId: [SecGroupId] });
        const next = await pending;
        assert.equal(next.done, false);
        assert.equal(next.value?.Type, "SecGroupDeleted");
        await it.return?.();
      });
    }

    it("without after: follows from now (nothing older), and the first change after the start arrives", async () => {
      const old = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "before-start" });
      const follower = client.followEvents({ transport, waitSeconds: 10 });
      const it = follower[Symbol.asyncIterator]();
      const pending = take(it, 1);
      // The follower pins "now" with an immediate first answer; wait for it so the next change is after it.
      while (follower.cursor === undefined) await new Promise((r) => setTimeout(r, 20));
      await client.deleteSecGroup({ SecGroupId: [old.SecGroupId] });
      assert.deepEqual(what(await pending), [`SecGroupDeleted ${old.SecGroupId}`]);
      await it.return?.();
    });

    it("return() while a long poll is in flight ends it at once, not after WaitSeconds", async () => {
      const { Cursor } = await client.describeFeedSnapshot();
      const it = client.followEvents({ transport, after: Cursor, waitSeconds: 30 })[Symbol.asyncIterator]();
      const pending = it.next();
      await new Promise((r) => setTimeout(r, 300));
      const started = Date.now();
      await it.return?.();
      assert.deepEqual(await pending, { done: true, value: undefined });
      assert.ok(Date.now() - started < 5_000, `ended after ${Date.now() - started} ms`);
      assert.deepEqual(await it.next(), { done: true, value: undefined });
    });

    it("break ends the loop promptly; an aborted signal ends a waiting loop normally and promptly", async () => {
      const { Cursor } = await client.describeFeedSnapshot();
      const { SecGroupId } = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "break" });
      let seen = 0;
      let started = Date.now();
      for await (const event of client.followEvents({ transport, after: Cursor, waitSeconds: 30 })) {
        assert.equal(event.ObjectId, SecGroupId);
        seen++;
        started = Date.now();
        break;
      }
      assert.equal(seen, 1);
      assert.ok(Date.now() - started < 5_000);

      const abort = new AbortController();
      const follower = client.followEvents({ transport, after: Cursor, waitSeconds: 30, signal: abort.signal });
      const received: FeedEvent[] = [];
      const loop = (async () => {
        for await (const event of follower) received.push(event);
      })();
      // The one event is there at once; then the follower long-polls (30 s) for more until aborted.
      while (received.length === 0) await new Promise((r) => setTimeout(r, 20));
      await new Promise((r) => setTimeout(r, 300));
      started = Date.now();
      abort.abort();
      await loop;
      assert.ok(Date.now() - started < 5_000, `ended after ${Date.now() - started} ms`);
      assert.deepEqual(what(received), [`SecGroupCreated ${SecGroupId}`]);
      assert.equal(follower.cursor, received[0]?.Cursor);
      await client.deleteSecGroup({ SecGroupId: [SecGroupId] });
    });

    it("poll asks once a page; stream takes every event over the one request that opened it", async () => {
      const { Cursor } = await client.describeFeedSnapshot();
      const since = Date.now();
      const it = client.followEvents({ transport, after: Cursor, waitSeconds: 10 })[Symbol.asyncIterator]();
      const ids: string[] = [];
      for (let i = 0; i < 4; i++) {
        const pending = take(it, 1);
        ids.push((await client.createSecGroup({ VPCID: "uvnet-demo01", Name: `one-request-${i}` })).SecGroupId);
        assert.equal((await pending)[0]?.ObjectId, ids[i]);
      }
      await it.return?.();
      await new Promise((r) => setTimeout(r, 400)); // reads are audited in batches, 100 ms apart
      const { TotalCount } = await client.describeAuditRecords({ Actions: ["DescribeFeedEvents"], StartTime: since });
      if (transport === "stream") assert.equal(TotalCount, 1);
      else assert.ok(TotalCount >= 4, `${TotalCount} long polls for 4 events`);
      await client.deleteSecGroup({ SecGroupId: ids });
    });

    it("a foreign cursor (RetCode 230 naming After) is thrown, not retried", async () => {
      const it = client.followEvents({ transport, after: formatCursor("0123456789abcdef", 1) })[Symbol.asyncIterator]();
      const error = await it.next().then(
        () => assert.fail("expected a refusal"),
        (e: unknown) => e,
      );
      assert.ok(error instanceof RetCodeError);
      assert.equal(error.retCode, 230);
      assert.match(error.apiMessage, /After/);
      assert.ok(!(error instanceof FeedCursorExpiredError));
    });
  });

  describe(`followEvents (${transport}) across a server restart`, { timeout: 120_000 }, () => {
    it("resumes by itself on the same SQLite file and port, without skipping or repeating an event", async () => {
      const db = `sqlite:${join(dir, "restart.db")}`;
      let server = await startServer({ seed: EXAMPLE_SEED, db });
      const port = new URL(server.url).port;
      try {
        const client = demoClient(server);
        const { Cursor } = await client.describeFeedSnapshot();
        const retries: SgplaneError[] = [];
        const follower = client.followEvents({
          transport,
          after: Cursor,
          waitSeconds: 20,
          onRetry: (e) => retries.push(e),
        });
        const it = follower[Symbol.asyncIterator]();
        const pending = take(it, 1);
        const a = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "before-restart" });
        const [first] = await pending;
        assert.equal(first?.ObjectId, a.SecGroupId);

        // The follower is now in a long poll; stop the server under it, and make it wait (failing) a while.
        const next = take(it, 2, 60_000);
        await server.stop();
        await new Promise((r) => setTimeout(r, 1_000));
        server = await startServer({ db, args: ["--port", port] });
        assert.equal(server.url, `http://127.0.0.1:${port}`);
        const b = await client.createSecGroup({ VPCID: "uvnet-demo01", Name: "after-restart" });
        await client.deleteSecGroup({ SecGroupId: [a.SecGroupId] });
        const events = await next;
        assert.deepEqual(what(events), [`SecGroupCreated ${b.SecGroupId}`, `SecGroupDeleted ${a.SecGroupId}`]);
        assert.ok(retries.length >= 1, "the follower saw the outage");
        assert.ok(
          retries.every((e) => e.retryable),
          retries.map((e) => e.message).join("; "),
        );
        assert.deepEqual(positions([first as FeedEvent, ...events]), [
          first?.Position ?? 0,
          (first?.Position ?? 0) + 1,
          (first?.Position ?? 0) + 2,
        ]);
        await it.return?.();
      } finally {
        await server.stop();
      }
    });
  });

  describe(`followEvents (${transport}) with an expired cursor`, { timeout: 120_000 }, () => {
    it("throws FeedCursorExpiredError (58301), telling the caller to take a snapshot, and never continues", async () => {
      const server = await startServer({ seed: EXAMPLE_SEED, args: ["--feed-retention", "300ms"] });
      try {
        const client = demoClient(server);
        const { Cursor } = await client.describeFeedSnapshot();
        const feedId = parseCursor(Cursor)?.feedId ?? "";
        const expired = formatCursor(feedId, 0);
        // The seed's events are pruned within a few retention rounds (every 250 ms).
        const deadline = Date.now() + 20_000;
        for (;;) {
          const refusal = await client.describeFeedEvents({ After: expired }).then(
            () => undefined,
            (e: unknown) => e,
          );
          if (refusal instanceof RetCodeError && refusal.retCode === 58301) break;
          if (refusal !== undefined) throw refusal;
          assert.ok(Date.now() < deadline, "the seed's events were never pruned");
          await new Promise((r) => setTimeout(r, 100));
        }
        const seen: FeedEvent[] = [];
        const error = await (async () => {
          for await (const event of client.followEvents({ transport, after: expired, waitSeconds: 1 }))
            seen.push(event);
        })().then(
          () => assert.fail("expected FeedCursorExpiredError"),
          (e: unknown) => e,
        );
        assert.ok(error instanceof FeedCursorExpiredError, String(error));
        assert.ok(error instanceof RetCodeError);
        assert.equal(error.retCode, 58301);
        assert.equal(error.cursor, expired);
        assert.match(error.message, /DescribeFeedSnapshot/);
        assert.deepEqual(seen, []);
      } finally {
        await server.stop();
      }
    });
  });
}
