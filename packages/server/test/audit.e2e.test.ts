// The audit trail over real HTTP: every call leaves a record (accepted changes with their feed positions, reads,
// refused signatures, unknown actions, bad parameters) with who, from where and what, and never a secret; the
// DescribeAuditRecords filters and scopes; --audit-reads off and --audit off; a clean stop loses no queued record.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ActionInput, feedModels } from "@sgplane/catalogue";
import type { SgplaneClient } from "@sgplane/sdk";
import {
  A1,
  CO_A,
  CO_B,
  eventsAfter,
  KEYS,
  type Key,
  PA1,
  PB1,
  raw,
  sdk,
  signedPost,
  sleep,
  WORLD,
} from "./feed-helpers.ts";
import { type ServerProcess, startServer } from "./harness.ts";

type AuditRecord = feedModels.AuditRecord;
type Query = ActionInput<"DescribeAuditRecords">;

const UA = "sgplane-audit-e2e/1.0";
const NEW_SECRET = "audit-new-private-key-5e1f9a";
const rules = [
  {
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: "8443",
    IPRange: "10.3.0.0/16",
    Priority: 40,
    RuleAction: "Accept",
  },
  {
    Direction: "Egress",
    ProtocolType: "UDP",
    DstPort: "123",
    IPRange: "10.3.0.0/16",
    Priority: 41,
    RuleAction: "Drop",
  },
];

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: WORLD });
});
after(async () => {
  await server?.stop();
});

/** Every matching record (paged through). */
async function records(client: SgplaneClient, query: Query = {}): Promise<AuditRecord[]> {
  const out: AuditRecord[] = [];
  for (let offset = 0; ; offset += 1000) {
    const page = await client.describeAuditRecords({ ...query, Offset: offset, Limit: 1000 });
    out.push(...page.Records);
    if (out.length >= page.TotalCount || page.Records.length === 0) return out;
  }
}

/** Waits for the records of these requests (reads and refusals are written in batches, 100 ms apart). */
async function recordsOf(client: SgplaneClient, requestIds: readonly string[], query: Query = {}) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const all = await records(client, query);
    const found = new Map(all.filter((r) => requestIds.includes(r.RequestId)).map((r) => [r.RequestId, r]));
    if (found.size === requestIds.length) return found;
    if (Date.now() > deadline) {
      throw new Error(`records missing: ${requestIds.filter((id) => !found.has(id)).join(", ")}`);
    }
    await sleep(100);
  }
}

const ids = (rs: readonly AuditRecord[]) => rs.map((r) => r.RequestId);

/** The calls of the first test, made once and shared by the filter tests. */
interface Calls {
  readonly t0: number;
  readonly t1: number;
  readonly mutation: string;
  readonly read: string;
  readonly resourceRead: string;
  readonly badSignature: string;
  readonly unknownKey: string;
  readonly unknownAction: string;
  readonly badParam: string;
  readonly secretCall: string;
  readonly bCall: string;
  readonly feedStart: string;
}
let calls: Calls;

async function send(key: Key, action: string, params: Record<string, unknown>, project?: string) {
  const res = await raw(server, key, project).send(action, params);
  assert.ok(res.requestId);
  return { body: res.body, requestId: res.requestId };
}

describe("audit: every call is recorded", () => {
  before(async () => {
    const t0 = Date.now();
    const feedStart = (await sdk(server, KEYS.operator).describeFeedEvents({})).Cursor;
    const m = await signedPost(
      raw(server, KEYS.aRoot, A1),
      "CreateSecGroupRule",
      { SecGroupId: PA1.group, Rule: rules },
      { "User-Agent": UA },
    );
    assert.equal(m.body.RetCode, 0, JSON.stringify(m.body));
    const r = await signedPost(
      raw(server, KEYS.aDev, A1),
      "DescribeSecGroup",
      { SecGroupId: [PA1.group] },
      { "User-Agent": UA },
    );
    assert.equal(r.body.RetCode, 0);
    const rr = await send(KEYS.aRoot, "DescribeResourceSecGroup", { ResourceId: [PA1.host] }, A1);
    assert.equal(rr.body.RetCode, 0);
    const bs = await send({ publicKey: KEYS.aRoot.publicKey, privateKey: "not-the-key" }, "DeleteSecGroup", {
      SecGroupId: [PA1.group],
    });
    assert.equal(bs.body.RetCode, 171);
    const uk = await send({ publicKey: "audit-nobody-pub", privateKey: "x" }, "DescribeSecGroup", {});
    assert.equal(uk.body.RetCode, 172);
    const ua = await send(KEYS.aRoot, "NoSuchAction", { SecGroupId: PA1.group });
    assert.equal(ua.body.RetCode, 161);
    const bp = await send(KEYS.aRoot, "CreateSecGroup", { VPCID: PA1.vpc, Name: "n".repeat(65) }, A1);
    assert.equal(bp.body.RetCode, 230);
    const sc = await send(KEYS.operator, "AdminCreateKey", {
      CompanyId: CO_A,
      UserName: "auditor",
      Keys: [{ PublicKey: "audit-new-pub", PrivateKey: NEW_SECRET }],
    });
    assert.equal(sc.body.RetCode, 0, JSON.stringify(sc.body));
    const b = await send(KEYS.bRoot, "DescribeSecGroup", { SecGroupId: [PB1.group] }, PB1.project);
    assert.equal(b.body.RetCode, 0);
    calls = {
      t0,
      t1: Date.now(),
      mutation: m.requestId,
      read: r.requestId,
      resourceRead: rr.requestId,
      badSignature: bs.requestId,
      unknownKey: uk.requestId,
      unknownAction: ua.requestId,
      badParam: bp.requestId,
      secretCall: sc.requestId,
      bCall: b.requestId,
      feedStart,
    };
  });

  it("an accepted change: who, from where, what, and the feed positions of the events it made", async () => {
    const op = sdk(server, KEYS.operator);
    const rec = (await recordsOf(op, [calls.mutation])).get(calls.mutation) as AuditRecord;
    assert.ok(rec.Time >= calls.t0 && rec.Time <= calls.t1, "answered in the test's window");
    assert.equal(rec.Action, "CreateSecGroupRule");
    assert.equal(rec.PublicKey, KEYS.aRoot.publicKey);
    assert.equal(rec.Authenticated, true);
    assert.equal(rec.Operator, false);
    assert.equal(rec.CompanyId, CO_A);
    assert.equal(rec.UserName, "root");
    assert.equal(rec.SubAccount, false);
    assert.match(rec.SourceIp, /^(::ffff:)?127\.0\.0\.1$/);
    assert.equal(rec.UserAgent, UA);
    assert.equal(rec.Region, "cn-bj2");
    assert.equal(rec.ProjectId, A1);
    assert.equal(rec.RetCode, 0);
    assert.equal(rec.Message, "");
    assert.equal(rec.Mutating, true);
    assert.equal(rec.Params.SecGroupId, PA1.group);
    assert.equal(rec.Params["Rule.0.DstPort"], "8443");
    assert.equal(rec.Params["Rule.1.RuleAction"], "Drop");
    assert.equal("Signature" in rec.Params, false, "no signature");
    const events = (await eventsAfter(op, calls.feedStart)).events.filter((e) => e.RequestId === calls.mutation);
    assert.deepEqual(
      events.map((e) => e.Type),
      ["RuleCreated", "RuleCreated"],
    );
    assert.equal(rec.EventCount, 2);
    assert.equal(rec.FirstPosition, events[0]?.Position);
    assert.equal(rec.LastPosition, events[1]?.Position);
  });

  it("a read, by a sub-account", async () => {
    const rec = (await recordsOf(sdk(server, KEYS.operator), [calls.read])).get(calls.read) as AuditRecord;
    assert.equal(rec.Action, "DescribeSecGroup");
    assert.equal(rec.PublicKey, KEYS.aDev.publicKey);
    assert.equal(rec.Authenticated, true);
    assert.equal(rec.CompanyId, CO_A);
    assert.equal(rec.UserName, "dev");
    assert.equal(rec.SubAccount, true);
    assert.equal(rec.UserAgent, UA);
    assert.equal(rec.ProjectId, A1);
    assert.equal(rec.Mutating, false);
    assert.equal(rec.EventCount, 0);
    assert.equal(rec.FirstPosition, undefined);
    assert.equal(rec.RetCode, 0);
    assert.equal("Signature" in rec.Params, false);
  });

  it("refused calls: a bad signature (with the key it claimed), an unknown key, an unknown action, a bad parameter", async () => {
    const op = sdk(server, KEYS.operator);
    const found = await recordsOf(op, [calls.badSignature, calls.unknownKey, calls.unknownAction, calls.badParam]);
    const bs = found.get(calls.badSignature) as AuditRecord;
    assert.equal(bs.PublicKey, KEYS.aRoot.publicKey);
    assert.equal(bs.Authenticated, false);
    assert.equal(bs.CompanyId, CO_A, "a known key's company");
    assert.equal(bs.Action, "DeleteSecGroup");
    assert.equal(bs.RetCode, 171);
    assert.equal(bs.Message, "Signature VerifyAC Error");
    assert.equal(bs.EventCount, 0);
    assert.equal(bs.Params["SecGroupId.0"], PA1.group);
    assert.equal("Signature" in bs.Params, false);
    const uk = found.get(calls.unknownKey) as AuditRecord;
    assert.equal(uk.PublicKey, "audit-nobody-pub");
    assert.equal(uk.Authenticated, false);
    assert.equal(uk.CompanyId, undefined);
    assert.equal(uk.RetCode, 172);
    const ua = found.get(calls.unknownAction) as AuditRecord;
    assert.equal(ua.Action, "NoSuchAction");
    assert.equal(ua.Authenticated, true);
    assert.equal(ua.RetCode, 161);
    assert.equal(ua.Message, "Action [NoSuchAction] not found");
    const bp = found.get(calls.badParam) as AuditRecord;
    assert.equal(bp.Action, "CreateSecGroup");
    assert.equal(bp.RetCode, 230);
    assert.match(bp.Message, /^Params \[Name\] not available/);
    assert.equal(bp.Mutating, true);
    assert.equal(bp.EventCount, 0);
  });

  it("no private key or signature anywhere in the trail", async () => {
    const op = sdk(server, KEYS.operator);
    const rec = (await recordsOf(op, [calls.secretCall])).get(calls.secretCall) as AuditRecord;
    assert.equal(rec.Action, "AdminCreateKey");
    assert.equal(rec.Operator, true);
    assert.equal(rec.Params["Keys.0.PublicKey"], "audit-new-pub");
    assert.equal(rec.Params["Keys.0.PrivateKey"], "(redacted)");
    const all = JSON.stringify(await records(op));
    assert.equal(all.includes(NEW_SECRET), false, "the new private key");
    for (const k of Object.values(KEYS)) assert.equal(all.includes(k.privateKey), false, k.publicKey);
    assert.equal(/"Signature"/.test(all), false, "no Signature parameter");
  });
});

describe("audit: DescribeAuditRecords filters and scope", () => {
  const op = () => sdk(server, KEYS.operator);
  before(async () => {
    // The records of the calls above are all in.
    await recordsOf(op(), [calls.read, calls.badSignature, calls.unknownKey, calls.bCall, calls.resourceRead]);
  });

  it("time range, Actions, ResourceId, SecGroupId", async () => {
    const mutation = (await recordsOf(op(), [calls.mutation])).get(calls.mutation) as AuditRecord;
    const at = await records(op(), { StartTime: mutation.Time, EndTime: mutation.Time + 1 });
    assert.ok(ids(at).includes(calls.mutation));
    assert.ok(at.every((r) => r.Time === mutation.Time));
    assert.equal(
      ids(await records(op(), { EndTime: mutation.Time })).includes(calls.mutation),
      false,
      "EndTime excludes",
    );
    assert.equal(ids(await records(op(), { StartTime: mutation.Time + 1 })).includes(calls.mutation), false);
    const inWindow = await records(op(), { StartTime: calls.t0, EndTime: calls.t1 + 1 });
    assert.ok(inWindow.every((r) => r.Time >= calls.t0 && r.Time <= calls.t1));

    const creates = await records(op(), { Actions: ["CreateSecGroupRule", "AdminCreateKey"] });
    assert.ok(creates.length >= 2 && creates.every((r) => ["CreateSecGroupRule", "AdminCreateKey"].includes(r.Action)));
    assert.ok(ids(creates).includes(calls.mutation) && ids(creates).includes(calls.secretCall));

    const byResource = await records(op(), { ResourceId: PA1.host });
    assert.ok(ids(byResource).includes(calls.resourceRead));
    assert.equal(ids(byResource).includes(calls.mutation), false, "a call that did not name the resource");
    assert.ok(byResource.every((r) => JSON.stringify(r.Params).includes(PA1.host)));
    const byGroup = await records(op(), { SecGroupId: PA1.group });
    for (const id of [calls.mutation, calls.read, calls.badSignature, calls.unknownAction]) {
      assert.ok(ids(byGroup).includes(id), id);
    }
    assert.equal(ids(byGroup).includes(calls.resourceRead), false);
    assert.equal(ids(byGroup).includes(calls.bCall), false);
  });

  it("CallerPublicKey, UserName, RetCode, Failed", async () => {
    const byKey = await records(op(), { CallerPublicKey: KEYS.aDev.publicKey });
    assert.ok(ids(byKey).includes(calls.read));
    assert.ok(byKey.every((r) => r.PublicKey === KEYS.aDev.publicKey));
    const byUser = await records(op(), { UserName: "dev" });
    assert.ok(ids(byUser).includes(calls.read));
    assert.ok(byUser.every((r) => r.UserName === "dev"));
    const refused = await records(op(), { RetCode: [171, 172] });
    assert.ok(ids(refused).includes(calls.badSignature) && ids(refused).includes(calls.unknownKey));
    assert.ok(refused.every((r) => r.RetCode === 171 || r.RetCode === 172));
    const failed = await records(op(), { Failed: true });
    for (const id of [calls.badSignature, calls.unknownKey, calls.unknownAction, calls.badParam]) {
      assert.ok(ids(failed).includes(id), id);
    }
    assert.ok(failed.every((r) => r.RetCode !== 0));
    const accepted = await records(op(), { Failed: false });
    assert.ok(ids(accepted).includes(calls.mutation) && !ids(accepted).includes(calls.badParam));
    assert.ok(accepted.every((r) => r.RetCode === 0));
    const combined = await records(op(), { Failed: true, SecGroupId: PA1.group, Actions: ["DeleteSecGroup"] });
    assert.deepEqual(ids(combined), [calls.badSignature]);
  });

  it("paging: newest first, pages of Limit from Offset, TotalCount of all", async () => {
    const query = { StartTime: calls.t0, EndTime: calls.t1 + 1 };
    const all = await records(op(), query);
    assert.ok(all.length >= 9, `${all.length} records`);
    // Newest recorded first. (By Id: a batched read's record may get a larger Id than a change answered just
    // after it, whose record committed with the change, so Time is not strictly in the same order.)
    for (let i = 1; i < all.length; i++) {
      assert.ok((all[i - 1] as AuditRecord).Id > (all[i] as AuditRecord).Id, "newest first");
    }
    const paged: AuditRecord[] = [];
    for (let offset = 0; offset < all.length + 3; offset += 3) {
      const page = await op().describeAuditRecords({ ...query, Offset: offset, Limit: 3 });
      assert.equal(page.TotalCount, all.length);
      assert.ok(page.Records.length <= 3);
      paged.push(...page.Records);
    }
    assert.deepEqual(ids(paged), ids(all));
    const deflt = await op().describeAuditRecords({ ...query, Limit: 0 });
    assert.equal(deflt.Records.length, Math.min(100, all.length), "Limit 0 means 100");
  });

  it("a company sees only its own calls, a sub-account its projects', the operator every call", async () => {
    const a = await records(sdk(server, KEYS.aRoot));
    assert.ok(a.length > 0 && a.every((r) => r.CompanyId === CO_A), "company A's calls only");
    assert.ok(ids(a).includes(calls.mutation) && ids(a).includes(calls.read));
    assert.equal(ids(a).includes(calls.bCall), false);
    assert.equal(ids(a).includes(calls.unknownKey), false);
    const b = await records(sdk(server, KEYS.bRoot));
    assert.ok(b.length > 0 && b.every((r) => r.CompanyId === CO_B), "company B's calls only");
    assert.ok(ids(b).includes(calls.bCall));
    const dev = await records(sdk(server, KEYS.aDev));
    assert.ok(ids(dev).includes(calls.read) && ids(dev).includes(calls.mutation));
    assert.ok(
      dev.every((r) => r.CompanyId === CO_A && r.ProjectId === A1),
      "only its granted project",
    );
    const everything = await records(op());
    for (const id of [calls.mutation, calls.bCall, calls.unknownKey, calls.secretCall]) {
      assert.ok(ids(everything).includes(id), id);
    }
    const onlyB = await records(op(), { CompanyId: CO_B });
    assert.ok(ids(onlyB).includes(calls.bCall) && onlyB.every((r) => r.CompanyId === CO_B));
    const denied = await raw(server, KEYS.aRoot).send("DescribeAuditRecords", { CompanyId: CO_B });
    assert.equal(denied.body.RetCode, 299);
  });
});

describe("audit: switches", () => {
  it("--audit-reads off leaves reads out and keeps changes and refusals", async () => {
    const s = await startServer({ seed: WORLD, args: ["--audit-reads", "off"] });
    try {
      const read = await raw(s, KEYS.aRoot, A1).send("DescribeSecGroup", { SecGroupId: [PA1.group] });
      const change = await raw(s, KEYS.aRoot, A1).send("UpdateSecGroup", { SecGroupId: [PA1.group], Name: "r-off" });
      const refused = await raw(s, { ...KEYS.aRoot, privateKey: "wrong" }).send("DescribeSecGroup", {});
      assert.deepEqual([read.body.RetCode, change.body.RetCode, refused.body.RetCode], [0, 0, 171]);
      const op = sdk(s, KEYS.operator);
      let all: AuditRecord[] = [];
      const deadline = Date.now() + 10_000;
      while (!ids(all).includes(refused.requestId ?? "") && Date.now() < deadline) {
        await sleep(100);
        all = await records(op);
      }
      assert.ok(ids(all).includes(refused.requestId ?? ""), "the refusal");
      assert.ok(ids(all).includes(change.requestId ?? ""), "the change");
      // A batch holds every read recorded before the refusal: had the read been recorded, it would be here.
      await sleep(300);
      all = await records(op);
      assert.equal(ids(all).includes(read.requestId ?? ""), false, "not the read");
      assert.ok(
        all.every((r) => r.Mutating || r.RetCode !== 0),
        "no accepted read at all (DescribeAuditRecords included)",
      );
    } finally {
      await s.stop();
    }
  });

  it("--audit off: DescribeAuditRecords answers 58303 AuditDisabled", async () => {
    const s = await startServer({ seed: WORLD, args: ["--audit", "off"] });
    try {
      const { body } = await raw(s, KEYS.aRoot).send("DescribeAuditRecords", {});
      assert.equal(body.RetCode, 58303);
      assert.equal(body.Message, "The audit trail is turned off on this server (--audit off)");
      assert.equal((await raw(s, KEYS.operator).send("DescribeAuditRecords", {})).body.RetCode, 58303);
      const change = await raw(s, KEYS.aRoot, A1).send("UpdateSecGroup", { SecGroupId: [PA1.group], Name: "a-off" });
      assert.equal(change.body.RetCode, 0, "changes still work");
    } finally {
      await s.stop();
    }
  });
});

describe("audit: clean shutdown", () => {
  it("SIGTERM right after refused calls loses none of their batched records", async () => {
    const dir = await mkdtemp(join(tmpdir(), "sgplane-audit-stop-"));
    const db = `sqlite:${join(dir, "audit.db")}`;
    let s = await startServer({ db, seed: WORLD });
    try {
      const forged = { publicKey: KEYS.aRoot.publicKey, privateKey: "forged" };
      const ghost = { publicKey: "audit-ghost-pub", privateKey: "ghost" };
      const sent = await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          raw(s, i % 2 === 0 ? forged : ghost).send("DescribeSecGroup", { Marker: `stop-${i}` }),
        ),
      );
      assert.deepEqual(
        sent.map((r) => r.body.RetCode),
        sent.map((_, i) => (i % 2 === 0 ? 171 : 172)),
      );
      const wanted = sent.map((r) => r.requestId ?? "");
      assert.equal(await s.stop(), 0, "a clean exit");
      s = await startServer({ db });
      const after = await records(sdk(s, KEYS.operator), { RetCode: [171, 172] });
      const missing = wanted.filter((id) => !ids(after).includes(id));
      assert.deepEqual(missing, [], "every refused call's record survived the stop");
      const forgedRecords = after.filter((r) => wanted.includes(r.RequestId) && r.RetCode === 171);
      assert.equal(forgedRecords.length, 20);
      assert.ok(forgedRecords.every((r) => r.PublicKey === KEYS.aRoot.publicKey && !r.Authenticated));
    } finally {
      await s.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
