// The change feed over real HTTP: long-poll wake-up, SSE with ids and Last-Event-ID resume, snapshot then follow,
// resume across a restart, expiry (58301, never a silent gap), bad input (230 naming the parameter), --feed off
// (58302), a slow SSE follower (back-pressure, cut off, resume), and what each kind of key is delivered.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type feedModels, parseCursor } from "@sgplane/catalogue";
import type { SgplaneClient } from "@sgplane/sdk";
import {
  A1,
  A2,
  B1,
  CO_A,
  CO_B,
  eventsAfter,
  type FeedStream,
  KEYS,
  openFeed,
  PA1,
  PA2,
  PB1,
  parseEvent,
  raw,
  sdk,
  sleep,
  WORLD,
} from "./feed-helpers.ts";
import { type ServerProcess, startServer } from "./harness.ts";

type Event = feedModels.FeedEvent;

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: WORLD });
});
after(async () => {
  await server?.stop();
});

let renames = 0;
/** Renames a place's group (one SecGroupUpdated event); returns the request id. */
async function rename(client: SgplaneClient, group: string): Promise<string> {
  const res = await client.updateSecGroup({ SecGroupId: [group], Name: `renamed-${++renames}` });
  assert.ok(res.$metadata.requestId, "the answer carries its request id");
  return res.$metadata.requestId;
}

const headCursor = async (client: SgplaneClient): Promise<string> => (await client.describeFeedEvents({})).Cursor;

function assertAscending(events: readonly Event[], what: string): void {
  for (let i = 1; i < events.length; i++) {
    assert.ok((events[i] as Event).Position > (events[i - 1] as Event).Position, `${what}: positions ascend`);
  }
}

/**
 * SSE messages are events whose id is their Cursor and whose event name is their Type; a progress message's id is
 * the cursor it carries, past every event before it.
 */
function assertWellFormed(stream: FeedStream): Event[] {
  let last = 0;
  for (const m of stream.messages) {
    if (m.event === "progress") {
      const p = JSON.parse(m.data) as { Cursor: string; Position: number };
      assert.equal(m.id, p.Cursor, "a progress id is its Cursor");
      assert.ok(p.Position > last, "progress moves past what was sent");
      last = p.Position;
    } else if (m.event !== "ready" && m.event !== "error") last = parseEvent(m).Position;
  }
  return stream.events.map((m) => {
    const e = parseEvent(m);
    assert.equal(m.id, e.Cursor, "id: is the event's Cursor");
    assert.equal(m.event, e.Type, "event: is the event's Type");
    return e;
  });
}

describe("feed: long poll", () => {
  it("a WaitSeconds=20 poll from the head returns soon after another client's change, with that change", async (t) => {
    const follower = sdk(server, KEYS.aRoot);
    const writer = sdk(server, KEYS.aRoot, A1);
    const start = await headCursor(follower);
    const began = Date.now();
    const poll = follower.describeFeedEvents({ After: start, WaitSeconds: 20 }).then((r) => ({ r, at: Date.now() }));
    await sleep(500);
    const changeStart = Date.now();
    const change = await writer.updateSecGroup({ SecGroupId: [PA1.group], Name: "long-polled" });
    const { r, at } = await poll;
    const latency = at - changeStart;
    t.diagnostic(`long-poll returned ${latency} ms after the change was sent (waited ${at - began} ms in all)`);
    assert.ok(at - began >= 450, `the poll waited for a change (${at - began} ms)`);
    assert.ok(latency < 2000, `returned ${latency} ms after the change, far below WaitSeconds=20`);
    assert.equal(r.Events.length, 1, JSON.stringify(r.Events));
    const e = r.Events[0] as Event;
    assert.equal(e.RequestId, change.$metadata.requestId);
    assert.equal(e.Type, "SecGroupUpdated");
    assert.equal(e.Kind, "SecGroup");
    assert.equal(e.Change, "Updated");
    assert.equal(e.ObjectId, PA1.group);
    assert.equal(e.Action, "UpdateSecGroup");
    assert.equal(e.CompanyId, CO_A);
    assert.equal(e.ProjectId, A1);
    assert.equal(e.Region, "cn-bj2");
    const state = e.State as feedModels.SecGroupState;
    assert.equal(state.SecGroupId, PA1.group);
    assert.equal(state.Name, "long-polled");
    assert.equal(state.VPCId, PA1.vpc);
    assert.equal(e.Position, (parseCursor(start)?.position ?? -1) + 1, "the next position after the head polled");
    assert.equal(r.Cursor, e.Cursor);
  });

  it("a poll with nothing to report waits its WaitSeconds, then answers empty with a cursor at the head", async () => {
    const follower = sdk(server, KEYS.bRoot);
    const start = await headCursor(follower);
    const began = Date.now();
    const r = await follower.describeFeedEvents({ After: start, WaitSeconds: 1 });
    assert.ok(Date.now() - began >= 900, "it waited");
    assert.deepEqual(r.Events, []);
    assert.equal(r.Cursor, start);
  });
});

describe("feed: Server-Sent Events (GET /feed)", () => {
  it("streams events with id = Cursor after a ready event; Last-Event-ID resumes exactly after it", async () => {
    const op = sdk(server, KEYS.operator);
    const writer = sdk(server, KEYS.aRoot, A1);
    const start = await headCursor(op);
    const s1 = await openFeed(server, KEYS.aRoot, { After: start });
    assert.equal(s1.res.statusCode, 200);
    assert.match(String(s1.res.headers["content-type"]), /^text\/event-stream/);
    assert.ok(s1.res.headers["x-ucloud-request-uuid"], "a request id");
    await s1.waitFor("ready", (s) => s.messages.length > 0);
    const ready = s1.messages[0];
    assert.equal(ready?.event, "ready");
    assert.equal(ready?.id, start);
    const readyData = JSON.parse(ready?.data ?? "{}") as { Cursor: string; Head: number };
    assert.equal(readyData.Cursor, start);
    assert.equal(readyData.Head, parseCursor(start)?.position);

    const ids: string[] = [];
    for (let i = 0; i < 6; i++) ids.push(await rename(writer, PA1.group));
    await s1.waitFor("6 events", (s) => s.events.length >= 6);
    const first = assertWellFormed(s1);
    assert.deepEqual(
      first.map((e) => e.RequestId),
      ids,
    );
    assertAscending(first, "first connection");
    s1.close();

    // Last-Event-ID wins over the query's After (an EventSource reconnects with its original URL).
    const third = first[2] as Event;
    const s2 = await openFeed(server, KEYS.aRoot, { After: start }, { lastEventId: third.Cursor });
    await s2.waitFor("ready and 3 events", (s) => s.events.length >= 3);
    assert.equal(s2.messages[0]?.event, "ready");
    assert.equal(s2.messages[0]?.id, third.Cursor);
    const resumed = assertWellFormed(s2);
    assert.deepEqual(
      resumed.map((e) => e.Position),
      first.slice(3).map((e) => e.Position),
      "no repeat, no gap",
    );
    // And it goes on live.
    const live = await rename(writer, PA1.group);
    await s2.waitFor("the live event", (s) => s.events.length >= 4);
    assert.equal(assertWellFormed(s2)[3]?.RequestId, live);
    assert.equal(s2.events.length, 4);
    s2.close();
    // The same as a long-poll reader gets.
    const polled = await eventsAfter(sdk(server, KEYS.aRoot), start);
    assert.deepEqual(polled.events.slice(0, 7), [...first, ...resumed.slice(3)].concat(assertWellFormed(s2)[3] ?? []));
  });

  it("a bad cursor, a foreign cursor or a bad signature answers an error event with its RetCode, then ends", async () => {
    const start = await headCursor(sdk(server, KEYS.operator));
    const feedId = parseCursor(start)?.feedId ?? "";
    const foreign = `${feedId.startsWith("0") ? "1" : "0"}${feedId.slice(1)}-1`;
    const cases: { what: string; open: () => Promise<FeedStream>; retCode: number; message: RegExp }[] = [
      {
        what: "malformed Last-Event-ID",
        open: () => openFeed(server, KEYS.aRoot, {}, { lastEventId: "garbage" }),
        retCode: 230,
        message: /^Params \[Last-Event-ID\] not available: not a feed cursor$/,
      },
      {
        what: "Last-Event-ID of another feed",
        open: () => openFeed(server, KEYS.aRoot, {}, { lastEventId: foreign }),
        retCode: 230,
        message: /^Params \[Last-Event-ID\] not available: a cursor of another feed/,
      },
      {
        what: "After of another feed",
        open: () => openFeed(server, KEYS.aRoot, { After: foreign }),
        retCode: 230,
        message: /^Params \[After\] not available: a cursor of another feed/,
      },
      {
        what: "malformed After",
        open: () => openFeed(server, KEYS.aRoot, { After: "nope" }),
        retCode: 230,
        message: /^Params \[After\] not available/,
      },
      {
        what: "After ahead of the head",
        open: () => openFeed(server, KEYS.aRoot, { After: `${feedId}-${(parseCursor(start)?.position ?? 0) + 1000}` }),
        retCode: 230,
        message: /^Params \[After\] not available: position \d+ is ahead of this feed's head/,
      },
      {
        what: "wrong private key",
        open: () => openFeed(server, { publicKey: KEYS.aRoot.publicKey, privateKey: "wrong" }),
        retCode: 171,
        message: /^Signature VerifyAC Error$/,
      },
    ];
    for (const c of cases) {
      const s = await c.open();
      await s.ended;
      assert.equal(s.messages.length, 1, `${c.what}: one message`);
      const m = s.messages[0];
      assert.equal(m?.event, "error", c.what);
      const envelope = JSON.parse(m?.data ?? "{}") as { Action: string; RetCode: number; Message: string };
      assert.equal(envelope.RetCode, c.retCode, `${c.what}: ${m?.data}`);
      assert.match(envelope.Message, c.message, c.what);
      assert.equal(envelope.Action, "DescribeFeedEventsResponse");
    }
    // The server keeps serving.
    const ok = await openFeed(server, KEYS.aRoot, { After: start });
    await ok.waitFor("ready", (s) => s.messages[0]?.event === "ready");
    ok.close();
  });
});

type Snapshot = Awaited<ReturnType<SgplaneClient["describeFeedSnapshot"]>>;

/** Every object of a snapshot by kind and id (the id an event of that kind names). */
function snapshotModel(s: Snapshot): Map<string, string> {
  const m = new Map<string, string>();
  const put = (kind: string, id: string, state: object) => m.set(`${kind}:${id}`, JSON.stringify(state));
  for (const c of s.Companies) put("Company", String(c.CompanyId), c);
  for (const p of s.Projects) put("Project", p.ProjectId, p);
  for (const u of s.Users) put("User", `${u.CompanyId}/${u.UserName}`, u);
  for (const k of s.Keys) put("Key", k.PublicKey, k);
  for (const v of s.VPCs) put("VPC", v.VPCId, v);
  for (const r of s.Resources) put("Resource", r.ResourceId, r);
  for (const g of s.SecGroups) put("SecGroup", g.SecGroupId, g);
  for (const r of s.Rules) put("Rule", r.RuleId, r);
  for (const b of s.Bindings) put("Binding", `${b.ResourceId}/${b.SecGroupId}`, b);
  return m;
}

/** The id of an event's object as snapshotModel keys it (derived from its state, not its ObjectId). */
function modelKey(e: Event): string {
  const s = e.State as unknown as Record<string, unknown>;
  const id: Record<string, () => string> = {
    Company: () => String(s.CompanyId),
    Project: () => String(s.ProjectId),
    User: () => `${s.CompanyId}/${s.UserName}`,
    Key: () => String(s.PublicKey),
    VPC: () => String(s.VPCId),
    Resource: () => String(s.ResourceId),
    SecGroup: () => String(s.SecGroupId),
    Rule: () => String(s.RuleId),
    Binding: () => `${s.ResourceId}/${s.SecGroupId}`,
  };
  const of = id[e.Kind];
  assert.ok(of, `a kind the snapshot holds: ${e.Kind}`);
  return `${e.Kind}:${of()}`;
}

describe("feed: snapshot, then follow", () => {
  it("a snapshot plus the events after its cursor equals a later snapshot", async () => {
    const reader = sdk(server, KEYS.aRoot);
    const a1 = sdk(server, KEYS.aRoot, A1);
    const a2 = sdk(server, KEYS.aRoot, A2);
    const s0 = await reader.describeFeedSnapshot();
    assert.equal(s0.Cursor, `${parseCursor(s0.Cursor)?.feedId}-${s0.Position}`);
    const model = snapshotModel(s0);
    assert.ok(model.has(`SecGroup:${PA1.group}`) && model.has(`Binding:${PA1.host}/${PA1.group}`));
    assert.equal(model.has(`SecGroup:${PB1.group}`), false, "only the key's company");

    // A handful of changes of every object kind a tenant can change.
    const created = await a1.createSecGroup({ VPCID: PA1.vpc, Name: "snap-new", SecGroupRecommendation: "noweb" });
    const newGroup = created.SecGroupId;
    const rules = await a1.createSecGroupRule({
      SecGroupId: newGroup,
      Rule: [
        {
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "443",
          IPRange: "0.0.0.0/0",
          Priority: 5,
          RuleAction: "Accept",
        },
        {
          Direction: "Egress",
          ProtocolType: "UDP",
          DstPort: "53",
          IPRange: "10.0.0.0/8",
          Priority: 6,
          RuleAction: "Accept",
        },
      ],
    });
    await a1.associateSecGroup({
      ResourceId: [PA1.host],
      PrioritySecGroup: [{ SecGroupId: newGroup, Priority: 2 }],
    });
    await a1.deleteSecGroupRule({ SecGroupId: newGroup, RuleId: [rules.RuleId[0] as string] });
    await a1.updateSecGroupRule({
      SecGroupId: PA1.group,
      Rule: [
        {
          RuleId: PA1.rule,
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "2222",
          IPRange: "10.0.0.0/8",
          Priority: 1,
          RuleAction: "Drop",
        },
      ],
    });
    await a2.updateSecGroup({ SecGroupId: [PA2.group], Name: "snap-renamed", Remark: "after the snapshot" });
    await a1.disassociateSecGroup({ SecGroupId: [newGroup], ResourceId: [PA1.host] });
    await a1.deleteSecGroup({ SecGroupId: [newGroup] });
    await sdk(server, KEYS.bRoot, PB1.project).updateSecGroup({ SecGroupId: [PB1.group], Name: "b-not-seen" });

    const { events } = await eventsAfter(reader, s0.Cursor, { Limit: 3 });
    assert.ok(events.length >= 10, `every change arrived (${events.length} events)`);
    assertAscending(events, "followed events");
    assert.ok(
      events.every((e) => e.Position > s0.Position && e.CompanyId === CO_A),
      "after the snapshot, the key's company only",
    );
    for (const e of events) {
      const key = modelKey(e);
      if (e.Change === "Deleted") {
        assert.ok(model.has(key), `${e.Type} ${key}: deletes something the model has`);
        model.delete(key);
      } else {
        if (e.Change === "Created") assert.equal(model.has(key), false, `${e.Type} ${key}: creates something new`);
        model.set(key, JSON.stringify(e.State));
      }
    }
    const s1 = await reader.describeFeedSnapshot();
    const head = (await sdk(server, KEYS.operator).describeFeedEvents({})).Head;
    assert.equal(s1.Position, head, "nothing else happened in between");
    const later = snapshotModel(s1);
    const sorted = (m: Map<string, string>) => [...m.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    assert.deepEqual(
      sorted(model).map(([k, v]) => [k, JSON.parse(v)]),
      sorted(later).map(([k, v]) => [k, JSON.parse(v)]),
    );
    assert.equal(later.has(`SecGroup:${newGroup}`), false);
  });
});

describe("feed: bad input", () => {
  it("answers 230 naming the parameter, and keeps serving", async () => {
    const client = raw(server, KEYS.aRoot);
    const start = await headCursor(sdk(server, KEYS.aRoot));
    const cursor = parseCursor(start);
    assert.ok(cursor);
    const foreign = `${cursor.feedId.startsWith("f") ? "e" : "f"}${cursor.feedId.slice(1)}-3`;
    const cases: [params: Record<string, unknown>, message: RegExp][] = [
      [{ After: "not-a-cursor" }, /^Params \[After\] not available/],
      [{ After: `${cursor.feedId}-01` }, /^Params \[After\] not available: not a feed cursor$/],
      [
        { After: foreign },
        /^Params \[After\] not available: a cursor of another feed \([0-9a-f]{16}\).*take a snapshot/,
      ],
      [
        { After: `${cursor.feedId}-${cursor.position + 100}` },
        /^Params \[After\] not available: position \d+ is ahead of this feed's head \d+/,
      ],
      [{ WaitSeconds: -1 }, /^Params \[WaitSeconds\] not available/],
      [{ WaitSeconds: 61 }, /^Params \[WaitSeconds\] not available/],
      [{ WaitSeconds: "abc" }, /^Params \[WaitSeconds\] not available/],
      [{ Limit: -1 }, /^Params \[Limit\] not available/],
      [{ Limit: 1001 }, /^Params \[Limit\] not available/],
      [{ Types: ["SecGroupUpdated", "NoSuchType"] }, /^Params \[Types\.1\] not available/],
    ];
    for (const [params, message] of cases) {
      const began = Date.now();
      const { body } = await client.send("DescribeFeedEvents", params);
      assert.equal(body.RetCode, 230, `${JSON.stringify(params)}: ${JSON.stringify(body)}`);
      assert.match(String(body.Message), message, JSON.stringify(params));
      assert.ok(Date.now() - began < 5000, "refused at once, not after a wait");
    }
    const ok = await client.send("DescribeFeedEvents", { After: start, Limit: 1000, Types: ["SecGroupUpdated"] });
    assert.equal(ok.body.RetCode, 0, JSON.stringify(ok.body));
    const writer = sdk(server, KEYS.aRoot, A1);
    await writer.updateSecGroupRule({
      SecGroupId: PA1.group,
      Rule: [
        {
          RuleId: PA1.rule,
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "2223",
          IPRange: "10.0.0.0/8",
          Priority: 1,
          RuleAction: "Drop",
        },
      ],
    });
    const renamed = await rename(writer, PA1.group);
    const typed = await sdk(server, KEYS.aRoot).describeFeedEvents({ After: start, Types: ["SecGroupUpdated"] });
    assert.deepEqual(
      typed.Events.map((e) => [e.Type, e.RequestId]),
      [["SecGroupUpdated", renamed]],
      "Types keeps only those types",
    );
  });
});

describe("feed: what each key is delivered", () => {
  it("a company sees its company's events, a sub-account its projects', the operator all (long poll and SSE)", async () => {
    const op = sdk(server, KEYS.operator);
    const start = await headCursor(op);
    const devStream = await openFeed(server, KEYS.aDev, { After: start });
    const bStream = await openFeed(server, KEYS.bRoot, { After: start });
    const rA1 = await rename(sdk(server, KEYS.aRoot, A1), PA1.group);
    const rA2 = await rename(sdk(server, KEYS.aRoot, A2), PA2.group);
    const rB = await rename(sdk(server, KEYS.bRoot, PB1.project), PB1.group);
    // The last change of all, seen by everyone: once it arrives, everything before it has been delivered.
    const rLast = await rename(sdk(server, KEYS.aDev, A1), PA1.group);
    const rBLast = await rename(sdk(server, KEYS.bRoot, PB1.project), PB1.group);

    const seen = async (key: (typeof KEYS)[keyof typeof KEYS]) =>
      (await eventsAfter(sdk(server, key), start)).events.map((e) => e.RequestId);
    assert.deepEqual(await seen(KEYS.aRoot), [rA1, rA2, rLast]);
    assert.deepEqual(await seen(KEYS.aDev), [rA1, rLast]);
    assert.deepEqual(await seen(KEYS.bRoot), [rB, rBLast]);
    assert.deepEqual(await seen(KEYS.operator), [rA1, rA2, rB, rLast, rBLast]);
    const onlyB = await op.describeFeedEvents({ After: start, CompanyId: CO_B });
    assert.deepEqual(
      onlyB.Events.map((e) => e.RequestId),
      [rB, rBLast],
    );

    await devStream.waitFor("the dev's last change", (s) => s.events.some((m) => parseEvent(m).RequestId === rLast));
    await bStream.waitFor("B's last change", (s) => s.events.some((m) => parseEvent(m).RequestId === rBLast));
    // B's last change is not the dev's to see, but the dev's stream says it is past it (progress).
    const bLast = (await eventsAfter(op, start)).events.find((e) => e.RequestId === rBLast)?.Position ?? Infinity;
    await devStream.waitFor("a progress past B's last change", (s) =>
      s.progress.some((m) => (JSON.parse(m.data) as { Position: number }).Position >= bLast),
    );
    const dev = assertWellFormed(devStream);
    assert.deepEqual(
      dev.map((e) => e.RequestId),
      [rA1, rLast],
    );
    assert.ok(dev.every((e) => e.CompanyId === CO_A && e.ProjectId === A1));
    const b = assertWellFormed(bStream);
    assert.deepEqual(
      b.map((e) => e.RequestId),
      [rB, rBLast],
    );
    assert.ok(b.every((e) => e.CompanyId === CO_B));
    devStream.close();
    bStream.close();
  });
});

describe("feed: restart", () => {
  it("a cursor taken before a restart resumes after it with every later event exactly once", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sgplane-feed-restart-"));
    const db = `sqlite:${join(dir, "feed.db")}`;
    let s = await startServer({ db, seed: WORLD });
    try {
      const start = await headCursor(sdk(s, KEYS.operator));
      const beforeIds = [await rename(sdk(s, KEYS.aRoot, A1), PA1.group)];
      const rule = await sdk(s, KEYS.aRoot, A1).createSecGroupRule({
        SecGroupId: PA1.group,
        Rule: [
          {
            Direction: "Ingress",
            ProtocolType: "TCP",
            DstPort: "8080",
            IPRange: "10.1.0.0/16",
            Priority: 7,
            RuleAction: "Accept",
          },
          {
            Direction: "Ingress",
            ProtocolType: "TCP",
            DstPort: "8081",
            IPRange: "10.1.0.0/16",
            Priority: 8,
            RuleAction: "Accept",
          },
        ],
      });
      beforeIds.push(rule.$metadata.requestId ?? "", await rename(sdk(s, KEYS.bRoot, B1), PB1.group));
      const stream = await openFeed(s, KEYS.operator, { After: start });
      await stream.waitFor("the 4 events before the restart", (x) => x.events.length >= 4);
      const seenBefore = assertWellFormed(stream);
      const listedBefore = (await eventsAfter(sdk(s, KEYS.operator), start)).events;
      assert.deepEqual(seenBefore, listedBefore);
      assert.deepEqual([...new Set(listedBefore.map((e) => e.RequestId))], beforeIds);
      assert.equal(await s.stop(), 0);
      await stream.ended;

      s = await startServer({ db });
      const afterIds = [
        await rename(sdk(s, KEYS.aRoot, A2), PA2.group),
        await rename(sdk(s, KEYS.aRoot, A1), PA1.group),
        await rename(sdk(s, KEYS.bRoot, B1), PB1.group),
      ];
      const listed = (await eventsAfter(sdk(s, KEYS.operator), start, { Limit: 2 })).events;
      assert.deepEqual(listed.slice(0, listedBefore.length), listedBefore, "the events before the restart, unchanged");
      const rest = listed.slice(listedBefore.length);
      assert.deepEqual(
        rest.map((e) => e.RequestId),
        afterIds,
        "then each later change once (and nothing else)",
      );
      const first = parseCursor(start)?.position ?? -1;
      assert.deepEqual(
        listed.map((e) => e.Position),
        listed.map((_, i) => first + 1 + i),
        "contiguous positions: no gap, no repeat",
      );
      // SSE: Last-Event-ID of the last event seen before the restart.
      const resumed = await openFeed(
        s,
        KEYS.operator,
        {},
        { lastEventId: (seenBefore[seenBefore.length - 1] as Event).Cursor },
      );
      await resumed.waitFor("the later events", (x) => x.events.length >= rest.length);
      await sleep(200);
      assert.deepEqual(assertWellFormed(resumed), rest);
      resumed.close();
    } finally {
      await s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("feed: retention", () => {
  let short: ServerProcess;
  before(async () => {
    short = await startServer({ seed: WORLD, args: ["--feed-retention", "1s"] });
  });
  after(async () => {
    await short?.stop();
  });

  const expectExpired = async (cursor: string, what: string) => {
    const { body } = await raw(short, KEYS.aRoot).send("DescribeFeedEvents", { After: cursor });
    assert.equal(body.RetCode, 58301, `${what}: ${JSON.stringify(body)}`);
    assert.match(
      String(body.Message),
      /^Cursor \[[0-9a-f]{16}-\d+\] expired: .*take a new snapshot \(DescribeFeedSnapshot\) and follow from its Cursor$/,
    );
    assert.ok(String(body.Message).includes(cursor), "names the cursor");
    const stream = await openFeed(short, KEYS.aRoot, {}, { lastEventId: cursor });
    await stream.ended;
    // The cursor itself is well-formed (ready may come first); reading behind the floor then ends the stream.
    assert.deepEqual(stream.events, [], `${what}, SSE: no event of a gapped history`);
    const error = stream.messages.find((m) => m.event === "error");
    assert.ok(error, `${what}, SSE: an error event (${JSON.stringify(stream.messages)})`);
    assert.equal((JSON.parse(error.data) as { RetCode: number }).RetCode, 58301);
  };

  it("a cursor behind retention answers 58301 (take a snapshot), whether or not the server had read its events", async () => {
    const writer = sdk(short, KEYS.aRoot, A1);
    const reader = sdk(short, KEYS.aRoot);
    // Events nobody read before they expired (the server never had them in memory).
    const cold = await headCursor(reader);
    await rename(writer, PA1.group);
    await rename(writer, PA1.group);
    await sleep(2500);
    await rename(writer, PA1.group);
    // Retention runs every 250 ms: by now every event but the newest is older than 1 s and removed.
    await sleep(1200);
    await expectExpired(cold, "unread events expired");
    // Events read (so the server holds them in memory) before they expired.
    const warm = await headCursor(reader);
    await rename(writer, PA1.group);
    assert.equal((await eventsAfter(reader, warm)).events.length, 1);
    await sleep(2500);
    const newest = await rename(writer, PA1.group);
    await sleep(1200);
    await expectExpired(warm, "read events expired");
    await expectExpired(cold, "unread events expired, asked again");
    // A snapshot's cursor follows on, and the newest event is kept.
    const snap = await reader.describeFeedSnapshot();
    const { Events } = await reader.describeFeedEvents({
      After: `${snap.Cursor.replace(/-\d+$/, "")}-${snap.Position - 1}`,
    });
    assert.deepEqual(
      Events.map((e) => e.RequestId),
      [newest],
    );
    const next = await rename(writer, PA1.group);
    const followed = await reader.describeFeedEvents({ After: snap.Cursor, WaitSeconds: 5 });
    assert.deepEqual(
      followed.Events.map((e) => e.RequestId),
      [next],
    );
  });
});

describe("feed: --feed off", () => {
  it("the feed actions and GET /feed answer 58302 FeedDisabled; changes still work", async () => {
    const off = await startServer({ seed: WORLD, args: ["--feed", "off"] });
    try {
      const client = raw(off, KEYS.aRoot);
      for (const action of ["DescribeFeedEvents", "DescribeFeedSnapshot"]) {
        const { body } = await client.send(action, {});
        assert.equal(body.RetCode, 58302, `${action}: ${JSON.stringify(body)}`);
        assert.equal(body.Message, "The change feed is turned off on this server (--feed off)");
      }
      const stream = await openFeed(off, KEYS.aRoot);
      await stream.ended;
      assert.equal(stream.messages[0]?.event, "error");
      assert.equal((JSON.parse(stream.messages[0]?.data ?? "{}") as { RetCode: number }).RetCode, 58302);
      await rename(sdk(off, KEYS.aRoot, A1), PA1.group);
      const groups = await sdk(off, KEYS.aRoot, A1).describeSecGroup({ SecGroupId: [PA1.group] });
      assert.equal(groups.DataSet[0]?.Name, `renamed-${renames}`);
    } finally {
      await off.stop();
    }
  });
});

describe("feed: a slow SSE follower", () => {
  const DRAIN_MS = 1000;
  const RULES = 100;
  const ROUNDS = 100;
  let slow: ServerProcess;
  before(async () => {
    slow = await startServer({ seed: WORLD, env: { SGPLANE_FEED_DRAIN_TIMEOUT_MS: String(DRAIN_MS) } });
  });
  after(async () => {
    await slow?.stop();
  });

  it("is back-pressured and cut off instead of buffered; resuming from its last id delivers the rest", async (t) => {
    const writer = sdk(slow, KEYS.aRoot, A1);
    const remark = (round: number) => `${round % 2 === 0 ? "even" : "odd"}-${"x".repeat(240)}`;
    const rule = (i: number, round: number) => ({
      Direction: "Ingress" as const,
      ProtocolType: "TCP" as const,
      DstPort: String(1000 + i),
      IPRange: "10.2.0.0/16",
      Priority: 10 + (i % 150),
      RuleAction: "Accept" as const,
      Remark: remark(round),
    });
    const created = await writer.createSecGroupRule({
      SecGroupId: PA1.group,
      Rule: Array.from({ length: RULES }, (_, i) => rule(i, 1)),
    });
    const ruleIds = created.RuleId;
    const op = sdk(slow, KEYS.operator);
    const start = await headCursor(op);
    const stream = await openFeed(slow, KEYS.operator, { After: start });
    await stream.waitFor("ready", (s) => s.messages[0]?.event === "ready");
    stream.pause();

    for (let round = 0; round < ROUNDS; round++) {
      await writer.updateSecGroupRule({
        SecGroupId: PA1.group,
        Rule: ruleIds.map((RuleId, i) => ({ ...rule(i, round), RuleId })),
      });
    }
    const total = RULES * ROUNDS;
    const head = (await op.describeFeedEvents({})).Head;
    assert.equal(head - (parseCursor(start)?.position ?? 0), total, "one event per rule per round");

    // Responsive while the follower does not read.
    const began = Date.now();
    await writer.describeSecGroup({ SecGroupId: [PA1.group] });
    assert.ok(Date.now() - began < 2000, "a read answers at once");

    // Past the drain timeout the server gives up on the follower: reading again finds the end of the stream.
    await sleep(DRAIN_MS + 1500);
    stream.resume();
    await Promise.race([
      stream.ended,
      sleep(20_000).then(() => assert.fail(`the server did not cut the stream off (${stream.events.length} events)`)),
    ]);
    const received = assertWellFormed(stream);
    t.diagnostic(`the cut-off follower got ${received.length} of ${total} events (${stream.bytes} bytes)`);
    assert.ok(received.length > 0, "some events were delivered");
    assert.ok(received.length < total, "the server stopped writing to a reader that did not read");
    assert.equal(
      stream.messages.some((m) => m.event === "error"),
      false,
      "a cut, not an error",
    );
    const first = parseCursor(start)?.position ?? 0;
    assert.deepEqual(
      received.map((e) => e.Position),
      received.map((_, i) => first + 1 + i),
    );
    const streams = /^sgplane_feed_streams (\d+)$/m.exec(await (await fetch(`${slow.url}/metrics`)).text());
    assert.equal(streams?.[1], "0", "the server closed its side");

    const last = received[received.length - 1] as Event;
    const resumed = await openFeed(slow, KEYS.operator, {}, { lastEventId: last.Cursor });
    await resumed.waitFor("the rest", (s) => s.events.length >= total - received.length, 30_000);
    const rest = assertWellFormed(resumed);
    assert.deepEqual(
      [...received, ...rest].map((e) => e.Position),
      Array.from({ length: total }, (_, i) => first + 1 + i),
      "every event exactly once",
    );
    const lastEvent = rest[rest.length - 1] as Event;
    assert.equal(lastEvent.Type, "RuleUpdated");
    assert.equal((lastEvent.State as feedModels.RuleState).Remark, remark(ROUNDS - 1));
    resumed.close();
  });
});
