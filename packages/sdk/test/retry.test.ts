// The retry policy against a deliberately failing local endpoint: what is retried, what is not, and how long it waits.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import {
  backoffDelay,
  DEFAULT_RETRY,
  RetCodeError,
  type RetryOptions,
  SgplaneClient,
  TransportError,
} from "@sgplane/sdk";
import { type FakeGateway, startFakeGateway } from "./fake-gateway.ts";

let gateway: FakeGateway;
before(async () => {
  gateway = await startFakeGateway();
});
after(async () => {
  await gateway.close();
});

// random 0 makes every backoff exactly half its exponential step, so elapsed times have a known lower bound.
const FAST: RetryOptions = { maxAttempts: 3, baseDelayMs: 40, maxDelayMs: 400, random: () => 0 };

function client(retry: RetryOptions = FAST, timeoutMs = 2000) {
  return new SgplaneClient({
    baseUrl: gateway.url,
    publicKey: "pub",
    privateKey: "priv",
    region: "cn-bj2",
    timeoutMs,
    retry,
  });
}

function tokenless(retry: RetryOptions = FAST) {
  return new SgplaneClient({
    baseUrl: gateway.url,
    publicKey: "pub",
    privateKey: "priv",
    region: "cn-bj2",
    timeoutMs: 2000,
    retry,
    clientTokens: false,
  });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof Error);
    return error;
  }
  assert.fail("expected the call to fail");
}

describe("backoffDelay", () => {
  it("doubles per retry, is capped, and jitters within the upper half of the step", () => {
    const at = (random: number) => ({ ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000, random: () => random });
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((n) => backoffDelay(n, at(0))),
      [50, 100, 200, 400, 500],
    );
    assert.equal(backoffDelay(2, at(0.999_999)) < 200, true);
    assert.equal(backoffDelay(2, at(0.5)), 150);
  });

  it("waits at least a server's Retry-After, but never longer than maxDelayMs", () => {
    const policy = { ...DEFAULT_RETRY, baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    assert.equal(backoffDelay(1, policy, 700), 700);
    assert.equal(backoffDelay(1, policy, 60_000), 1000);
  });
});

describe("retries", () => {
  it("sends a ClientToken with a create by default, and retries it with the same token", async () => {
    gateway.script({ status: 503 }, { retCode: 0, fields: { SecGroupId: "secgroup-new" } });
    const created = await client().createSecGroup({ VPCID: "uvnet-a", Name: "g" });
    assert.equal(created.SecGroupId, "secgroup-new");
    assert.equal(created.$metadata.attempts, 2);
    const tokens = gateway.received.map((r) => r.params.ClientToken);
    assert.equal(tokens.length, 2);
    assert.match(String(tokens[0]), /^[0-9a-f-]{36}$/);
    assert.equal(tokens[1], tokens[0]);
  });

  it("draws a new token for each call, keeps a caller's own, and sends none on a dry run or a non-create", async () => {
    gateway.script(
      { retCode: 0, fields: { SecGroupId: "a" } },
      { retCode: 0, fields: { SecGroupId: "b" } },
      { retCode: 0, fields: { SecGroupId: "c" } },
      { retCode: 0, fields: { SecGroupId: "d", DryRun: true, Changes: [] } },
      { retCode: 0 },
    );
    await client().createSecGroup({ VPCID: "uvnet-a", Name: "g" });
    await client().createSecGroup({ VPCID: "uvnet-a", Name: "g" });
    await client().createSecGroup({ VPCID: "uvnet-a", Name: "g", ClientToken: "mine-1" });
    await client().createSecGroup({ VPCID: "uvnet-a", Name: "g", DryRun: true });
    await client().deleteSecGroup({ SecGroupId: ["secgroup-a"] });
    const [first, second, own, dry, del] = gateway.received.map((r) => r.params);
    assert.notEqual(first?.ClientToken, second?.ClientToken);
    assert.equal(own?.ClientToken, "mine-1");
    assert.equal(dry?.ClientToken, undefined);
    assert.equal(dry?.DryRun, "true");
    assert.equal(del?.ClientToken, undefined);
  });

  it("does not retry a create sent without a token (clientTokens: false), even on 503", async () => {
    gateway.script({ status: 503 });
    const error = await failure(tokenless().createSecGroup({ VPCID: "uvnet-a", Name: "g" }));
    assert.ok(error instanceof TransportError);
    assert.equal(error.status, 503);
    assert.equal(error.attempts, 1);
    assert.equal(gateway.received.length, 1);
    assert.equal(gateway.received[0]?.params.ClientToken, undefined);
  });

  it("does not retry a tokenless create on a retryable RetCode either (clientToken: false for the call)", async () => {
    gateway.script({ retCode: 150, message: "Service temporarily unavailable" });
    const error = await failure(
      client().createSecGroupRule({ SecGroupId: "secgroup-a", Rule: [] }, { clientToken: false }),
    );
    assert.ok(error instanceof RetCodeError);
    assert.equal(error.retryable, true);
    assert.equal(gateway.received.length, 1);
  });

  it("retries a tokenless create only when the caller opts in", async () => {
    gateway.script({ status: 503 }, { retCode: 0, fields: { SecGroupId: "secgroup-new" } });
    const created = await tokenless({ ...FAST, retryUnsafeActions: true }).createSecGroup({
      VPCID: "uvnet-a",
      Name: "g",
    });
    assert.equal(created.SecGroupId, "secgroup-new");
    assert.equal(created.$metadata.attempts, 2);
    assert.equal(gateway.received.length, 2);
  });

  it("retries 503 and 429 with growing backoff, then succeeds", async () => {
    gateway.script({ status: 503 }, { status: 429 }, { retCode: 0, fields: { DataSet: [], TotalCount: 0 } });
    const started = Date.now();
    const res = await client().describeSecGroup();
    assert.equal(res.TotalCount, 0);
    assert.equal(res.$metadata.attempts, 3);
    assert.equal(res.$metadata.requestId, "req-3");
    const [first, second, third] = gateway.received.map((r) => r.at);
    assert.ok(first !== undefined && second !== undefined && third !== undefined);
    // FAST with random 0: 20 ms before the first retry, 40 ms before the second (timer slack only adds).
    assert.ok(second - first >= 18, `first backoff ${second - first} ms`);
    assert.ok(third - second >= 38, `second backoff ${third - second} ms`);
    assert.ok(Date.now() - started < 2000);
  });

  for (const status of [502, 504]) {
    it(`retries HTTP ${status} up to maxAttempts, then reports the last failure`, async () => {
      gateway.script({ status });
      const error = await failure(client().disassociateSecGroup({ SecGroupId: ["secgroup-a"], Force: true }));
      assert.ok(error instanceof TransportError);
      assert.equal(error.status, status);
      assert.equal(error.attempts, 3);
      assert.equal(error.requestId, "req-3");
      assert.equal(gateway.received.length, 3);
    });
  }

  it("does not retry HTTP 500 or 400", async () => {
    for (const status of [500, 400]) {
      gateway.script({ status });
      const error = await failure(client().describeSecGroup());
      assert.ok(error instanceof TransportError);
      assert.equal(error.retryable, false);
      assert.equal(gateway.received.length, 1);
    }
  });

  it("honours Retry-After (capped by maxDelayMs)", async () => {
    gateway.script({ status: 503, headers: { "Retry-After": "1" } }, { retCode: 0 });
    const started = Date.now();
    await client({ ...FAST, maxDelayMs: 150 }).deleteSecGroup({ SecGroupId: ["secgroup-a"] });
    const waited = Date.now() - started;
    assert.ok(waited >= 145 && waited < 900, `waited ${waited} ms`);
  });

  for (const [retCode, message] of [
    [230, "Params [Name] not available"],
    [8039, "SecGroup [secgroup-a] not exist"],
    [58208, "Resource [uhost-1] must keep at least one secgroup"],
  ] as const) {
    it(`does not retry the deterministic RetCode ${retCode}`, async () => {
      gateway.script({ retCode, message });
      const error = await failure(client().disassociateSecGroup({ ResourceId: ["uhost-1"] }));
      assert.ok(error instanceof RetCodeError);
      assert.equal(error.retCode, retCode);
      assert.equal(error.RetCode, retCode);
      assert.equal(error.Message, message);
      assert.equal(error.action, "DisassociateSecGroup");
      assert.equal(error.requestId, "req-1");
      assert.equal(error.retryable, false);
      assert.equal(gateway.received.length, 1);
    });
  }

  it("retries the retryable RetCodes 150 and 153", async () => {
    gateway.script({ retCode: 150, message: "busy" }, { retCode: 153, message: "slow down" }, { retCode: 0 });
    const res = await client().updateSecGroup({ SecGroupId: ["secgroup-a"], Name: "n" });
    assert.equal(res.$metadata.attempts, 3);
    gateway.script({ retCode: 150, message: "busy" });
    const error = await failure(client().updateSecGroup({ SecGroupId: ["secgroup-a"], Name: "n" }));
    assert.ok(error instanceof RetCodeError);
    assert.equal(error.retCode, 150);
    assert.equal(error.attempts, 3);
  });

  it("maxAttempts 1 turns retrying off", async () => {
    gateway.script({ status: 503 });
    await failure(client({ ...FAST, maxAttempts: 1 }).describeSecGroup());
    assert.equal(gateway.received.length, 1);
  });

  it("retries a dropped connection (network error) for a retry-safe action", async () => {
    gateway.script({ drop: true }, { retCode: 0 });
    const res = await client().deleteSecGroupRule({ SecGroupId: "secgroup-a", RuleId: ["r1"] });
    assert.equal(res.$metadata.attempts, 2);
  });

  it("honours the timeout: a hanging server fails fast with kind=timeout", async () => {
    gateway.script({ hang: true });
    const started = Date.now();
    const error = await failure(client({ ...FAST, maxAttempts: 1 }, 150).describeSecGroup());
    const took = Date.now() - started;
    assert.ok(error instanceof TransportError);
    assert.equal(error.kind, "timeout");
    assert.ok(took >= 140 && took < 1500, `took ${took} ms`);
  });

  it("retries a timeout for a retry-safe action and a create with a token, not for a tokenless create", async () => {
    gateway.script({ hang: true });
    const retried = await failure(client(FAST, 100).describeSecGroup());
    assert.equal((retried as TransportError).attempts, 3);
    gateway.script({ hang: true });
    const withToken = await failure(client(FAST, 100).createSecGroup({ VPCID: "uvnet-a", Name: "g" }));
    assert.equal((withToken as TransportError).attempts, 3);
    assert.equal(new Set(gateway.received.map((r) => r.params.ClientToken)).size, 1);
    gateway.script({ hang: true });
    const create = await failure(
      client(FAST, 100).createSecGroup({ VPCID: "uvnet-a", Name: "g" }, { clientToken: false, timeoutMs: 100 }),
    );
    assert.equal((create as TransportError).attempts, 1);
    assert.equal(gateway.received.length, 1);
  });

  it("a caller's AbortSignal cancels without retrying", async () => {
    gateway.script({ hang: true });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const error = await failure(client().describeSecGroup({}, { signal: controller.signal }));
    assert.ok(error instanceof TransportError);
    assert.equal(error.kind, "aborted");
    assert.equal(gateway.received.length, 1);
  });

  it("rejects a timeout that is not a finite positive number", () => {
    assert.throws(() => client(FAST, Number.POSITIVE_INFINITY), RangeError);
    assert.throws(() => client({ maxAttempts: 0 }), RangeError);
  });
});
