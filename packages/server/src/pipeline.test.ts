// The pipeline's order and its handling of unexpected failures (150, no internals leaked).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { sign } from "@sgplane/catalogue";
import { PrincipalCache } from "./auth/principal-cache.ts";
import type { HandlerTable } from "./handlers/context.ts";
import { randomIds, systemClock } from "./ids.ts";
import { handleApiRequest } from "./pipeline.ts";
import type { KeyRecord, ReadTx, Store } from "./store/port.ts";

const key: KeyRecord = {
  publicKey: "pub",
  privateKey: "priv",
  operator: false,
  companyId: 1,
  userName: "root",
  subAccount: false,
  projects: [],
};

const fakeTx = {
  findKey: async (pk: string) => (pk === key.publicKey ? key : undefined),
  regions: async () => ["cn-bj2"],
  projectsOf: async () => [{ projectId: "org-1", name: "Default", isDefault: true }],
};

const store = {
  engine: "sqlite",
  read: (fn: (tx: ReadTx) => Promise<unknown>) => fn(fakeTx as unknown as ReadTx),
} as unknown as Store;

function handlers(impl: () => Promise<object>): HandlerTable {
  return new Proxy({}, { get: () => impl }) as HandlerTable;
}

function request(params: Record<string, string>) {
  const body = new URLSearchParams({ ...params, Signature: sign(params, key.privateKey) }).toString();
  return { query: "", contentType: "application/x-www-form-urlencoded", body };
}

describe("pipeline", () => {
  it("an unexpected throw is RetCode 150 with a generic message, reported for logging", async () => {
    const outcome = await handleApiRequest(
      request({ Action: "DescribeSecGroup", PublicKey: "pub", Region: "cn-bj2" }),
      {
        store,
        principals: new PrincipalCache(store),
        clock: systemClock,
        ids: randomIds,
        handlers: handlers(async () => {
          throw new TypeError("secret internals at /srv/app.ts:42");
        }),
      },
    );
    assert.equal(outcome.envelope.RetCode, 150);
    assert.equal(outcome.envelope.Action, "DescribeSecGroupResponse");
    assert.equal(String(outcome.envelope.Message).includes("secret"), false);
    assert.ok(outcome.unexpected);
  });

  it("the handler gets typed input and the caller's scope; output fields follow Action and RetCode", async () => {
    let seen: unknown;
    const outcome = await handleApiRequest(
      request({ Action: "DescribeSecGroup", PublicKey: "pub", Region: "cn-bj2", Limit: "5", "SecGroupId.0": "sg-1" }),
      {
        store,
        principals: new PrincipalCache(store),
        clock: systemClock,
        ids: randomIds,
        handlers: handlers(async (...args: unknown[]) => {
          seen = args;
          return { TotalCount: 0, DataSet: [] };
        }),
      },
    );
    assert.deepEqual(outcome.envelope, { Action: "DescribeSecGroupResponse", RetCode: 0, TotalCount: 0, DataSet: [] });
    const [input, ctx] = seen as [unknown, { scope: unknown }];
    assert.deepEqual(input, { SecGroupId: ["sg-1"], Limit: 5 });
    assert.deepEqual(ctx.scope, { companyId: 1, projectId: "org-1", region: "cn-bj2" });
  });
});
