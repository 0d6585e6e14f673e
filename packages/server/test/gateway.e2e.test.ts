// Gateway codes of §2.4 over real signed HTTP (form, flat JSON, nested JSON, Go-style ?Action=), and the envelope.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sign } from "@sgplane/catalogue";
import type { Encoding } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, OPERATOR, postRaw, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
});
after(async () => {
  await server.stop();
});

const DEV = { publicKey: "demo-dev-public-key", privateKey: "demo-dev-private-key" };
const encodings: { encoding: Encoding; actionInQuery: boolean }[] = [
  { encoding: "form", actionInQuery: true },
  { encoding: "form", actionInQuery: false },
  { encoding: "json", actionInQuery: false },
  { encoding: "json-nested", actionInQuery: true },
];

/** Signs params with a key and posts them as a form, bypassing the client's own defaults. */
async function postSigned(params: Record<string, string>, privateKey = DEMO.privateKey) {
  const body = new URLSearchParams({ ...params, Signature: sign(params, privateKey) }).toString();
  return postRaw(server.url, body, "application/x-www-form-urlencoded");
}

describe("envelope", () => {
  for (const e of encodings) {
    it(`success in ${e.encoding}${e.actionInQuery ? " with ?Action=" : ""}: HTTP 200, Action, RetCode 0, request id`, async () => {
      const res = await server.client(DEMO, e).send("DescribeSecGroup", { SecGroupId: ["secgroup-demo01"] });
      assert.equal(res.status, 200);
      assert.match(res.requestId ?? "", /^[0-9a-f-]{36}$/);
      assert.equal(res.body.Action, "DescribeSecGroupResponse");
      assert.equal(res.body.RetCode, 0);
      assert.equal("Message" in res.body, false);
      assert.equal((res.body.DataSet as unknown[]).length, 1);
    });
  }

  it("GET with query parameters works too, on any path", async () => {
    const params = { Action: "DescribeSecGroup", PublicKey: DEMO.publicKey, Region: "cn-bj2" };
    const q = new URLSearchParams({ ...params, Signature: sign(params, DEMO.privateKey) });
    const res = await fetch(`${server.url}/some/prefix?${q}`);
    const body = (await res.json()) as Record<string, unknown>;
    assert.equal(body.RetCode, 0);
  });

  it("other methods get HTTP 405", async () => {
    const res = await fetch(server.url, { method: "PUT", body: "x" });
    assert.equal(res.status, 405);
  });
});

describe("gateway codes", () => {
  it("230 for an unparsable body, with Action Response", async () => {
    const res = await postRaw(server.url, "{not json", "application/json");
    assert.equal(res.status, 200);
    assert.equal(res.json?.RetCode, 230);
    assert.equal(res.json?.Action, "Response");
    assert.match(String(res.json?.Message), /Params \[body\]/);
  });

  it("160 missing Action", async () => {
    const res = await postSigned({ PublicKey: DEMO.publicKey, Region: "cn-bj2" });
    assert.equal(res.json?.RetCode, 160);
  });

  it("170 missing Signature", async () => {
    const res = await postRaw(
      server.url,
      "Action=DescribeSecGroup&PublicKey=demo-public-key&Region=cn-bj2",
      "application/x-www-form-urlencoded",
    );
    assert.equal(res.json?.RetCode, 170);
    assert.equal(res.json?.Action, "DescribeSecGroupResponse");
  });

  it("172 missing or unknown PublicKey", async () => {
    assert.equal((await postSigned({ Action: "DescribeSecGroup", Region: "cn-bj2" })).json?.RetCode, 172);
    assert.equal(
      (await postSigned({ Action: "DescribeSecGroup", PublicKey: "nobody", Region: "cn-bj2" })).json?.RetCode,
      172,
    );
  });

  it("174 unknown SecurityToken", async () => {
    const res = await postSigned({
      Action: "DescribeSecGroup",
      PublicKey: DEMO.publicKey,
      Region: "cn-bj2",
      SecurityToken: "t",
    });
    assert.equal(res.json?.RetCode, 174);
  });

  for (const e of encodings) {
    it(`171 wrong signature (${e.encoding})`, async () => {
      const res = await server.client({ ...DEMO, privateKey: "wrong" }, e).send("DescribeSecGroup", {});
      assert.equal(res.body.RetCode, 171);
    });
  }

  it("171 when a signed parameter is changed after signing (unknown params are signed too)", async () => {
    const params = { Action: "DescribeSecGroup", PublicKey: DEMO.publicKey, Region: "cn-bj2", Zone: "cn-bj2-02" };
    const body = new URLSearchParams({ ...params, Signature: sign(params, DEMO.privateKey), Zone: "x" });
    body.set("Zone", "cn-bj2-03");
    const res = await postRaw(server.url, body.toString(), "application/x-www-form-urlencoded");
    assert.equal(res.json?.RetCode, 171);
  });

  it("161 unknown Action (after authentication)", async () => {
    const res = await server.client().send("DescribeUHostInstance", {});
    assert.equal(res.body.RetCode, 161);
    assert.equal(res.body.Message, "Action [DescribeUHostInstance] not found");
    assert.equal(res.body.Action, "DescribeUHostInstanceResponse");
  });

  it("220 missing Region, 230 unknown Region", async () => {
    const noRegion = await server.client(DEMO, { region: "" }).send("DescribeSecGroup", {});
    assert.equal(noRegion.body.RetCode, 220);
    assert.equal(noRegion.body.Message, "Missing params [Region]");
    const bad = await server.client(DEMO, { region: "mars-1" }).send("DescribeSecGroup", {});
    assert.equal(bad.body.RetCode, 230);
    assert.match(String(bad.body.Message), /Params \[Region\]/);
  });

  it("292 ProjectId not of the caller's company", async () => {
    const res = await server.client(DEMO, { projectId: "org-other" }).send("DescribeSecGroup", {});
    assert.equal(res.body.RetCode, 292);
  });

  it("sub-account: 220 without ProjectId, 299 on a project it is not granted, 0 on its own", async () => {
    const none = await server.client(DEV).send("DescribeSecGroup", {});
    assert.equal(none.body.RetCode, 220);
    assert.equal(none.body.Message, "Missing params [ProjectId]");
    const denied = await server.client(DEV, { projectId: "org-demo01" }).send("DescribeSecGroup", {});
    assert.equal(denied.body.RetCode, 299);
    const own = await server.client(DEV, { projectId: "org-demo02" }).send("DescribeSecGroup", {});
    assert.equal(own.body.RetCode, 0);
  });

  it("299 company key on an admin action; operator key accepted; operator key on a tenant action 299", async () => {
    const company = await server.client().send("AdminExportState", {});
    assert.equal(company.body.RetCode, 299);
    const operator = await server.client(OPERATOR).send("AdminExportState", {});
    assert.equal(operator.body.RetCode, 0);
    const tenant = await server.client(OPERATOR).send("DescribeSecGroup", {});
    assert.equal(tenant.body.RetCode, 299);
  });

  it("220 and 230 for action parameters name the parameter", async () => {
    const missing = await server.client().send("DisassociateSecGroup", {});
    assert.equal(missing.body.RetCode, 220);
    const wrong = await server.client().send("DescribeSecGroup", { Limit: "many" });
    assert.equal(wrong.body.RetCode, 230);
    assert.match(String(wrong.body.Message), /Params \[Limit\] not available: must be an integer/);
  });

  it("a body over the limit gets an envelope with 230, not a dropped connection", async () => {
    const res = await postRaw(
      server.url,
      `Action=DescribeSecGroup&Pad=${"x".repeat(2 * 1024 * 1024)}`,
      "application/x-www-form-urlencoded",
    );
    assert.equal(res.status, 200);
    assert.equal(res.json?.RetCode, 230);
    assert.match(String(res.json?.Message), /larger than/);
  });
});

describe("operations", () => {
  it("GET /healthz checks the database; GET /metrics counts requests by action and RetCode", async () => {
    const health = await fetch(`${server.url}/healthz`);
    assert.equal(health.status, 200);
    assert.equal(((await health.json()) as { status: string }).status, "ok");
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.match(metrics, /sgplane_requests_total\{action="DescribeSecGroup",ret_code="0"\} \d+/);
    assert.match(metrics, /sgplane_request_duration_seconds_bucket/);
  });

  it("one JSON log line per request with its request id, and no secrets", async () => {
    const res = await server.client().send("DescribeSecGroup", {});
    await new Promise((r) => setTimeout(r, 100));
    const line = server
      .output()
      .split("\n")
      .find((l) => l.includes(res.requestId ?? "none"));
    assert.ok(line, "a log line carries the request id");
    const entry = JSON.parse(line) as Record<string, unknown>;
    assert.equal(entry.action, "DescribeSecGroup");
    assert.equal(entry.retCode, 0);
    assert.equal(server.output().includes(DEMO.privateKey), false);
    assert.equal(server.output().includes("Signature"), false);
  });
});
