// DryRun and ClientToken on the wire (issue 18): the spellings each official SDK's encoding produces, the exact
// envelope a dry run answers, a read that ignores DryRun, and bad values refused naming the parameter.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { sign } from "@sgplane/catalogue";
import { DEMO, EXAMPLE_SEED, postRaw, type ServerProcess, startServer } from "./harness.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
});
after(async () => {
  await server?.stop();
});

const common = { PublicKey: DEMO.publicKey, Region: "cn-bj2" };

/** Form-encoded, as the Go and Python SDKs send (every value a string). */
async function form(params: Record<string, string>) {
  const all = { ...common, ...params };
  const body = new URLSearchParams({ ...all, Signature: sign(all, DEMO.privateKey) }).toString();
  const res = await postRaw(server.url, body, "application/x-www-form-urlencoded");
  return { text: res.text, json: res.json ?? {} };
}

/** Flat JSON with native scalars, as the JS SDK sends. */
async function json(params: Record<string, string | number | boolean>) {
  const all = { ...common, ...params };
  const res = await postRaw(
    server.url,
    JSON.stringify({ ...all, Signature: sign(all, DEMO.privateKey) }),
    "application/json",
  );
  return { text: res.text, json: res.json ?? {} };
}

describe("DryRun and ClientToken on the wire", () => {
  it("a form-encoded dry run answers the real answer's fields, DryRun and Changes in the envelope", async () => {
    const res = await form({
      Action: "UpdateSecGroup",
      "SecGroupId.0": "secgroup-demo02",
      Name: "renamed",
      DryRun: "true",
    });
    // The real answer's fields (none here), DryRun, Changes, then the envelope's own, as every answer is laid out.
    assert.match(
      res.text,
      /^\{"DryRun":true,"Changes":\[\{"Type":"SecGroupUpdated","ObjectId":"secgroup-demo02","State":\{"SecGroupId":"secgroup-demo02","Name":"renamed",.*\}\}\],"Action":"UpdateSecGroupResponse","RetCode":0\}$/,
    );
    const changes = res.json.Changes as { State: { Name: string } }[];
    assert.equal(changes[0]?.State.Name, "renamed");
    assert.equal(changes.length, 1);
  });

  it("DryRun is a wire boolean: true/1 in any case run dry, false/0 run for real, JSON true too", async () => {
    for (const value of ["TRUE", "1", "True"]) {
      const res = await form({ Action: "UpdateSecGroup", "SecGroupId.0": "secgroup-demo02", Tag: "t", DryRun: value });
      assert.equal(res.json.DryRun, true, value);
    }
    const viaJson = await json({ Action: "UpdateSecGroup", "SecGroupId.0": "secgroup-demo02", Tag: "t", DryRun: true });
    assert.equal(viaJson.json.DryRun, true);
    const real = await form({ Action: "UpdateSecGroup", "SecGroupId.0": "secgroup-demo02", Tag: "real", DryRun: "0" });
    assert.deepEqual(real.json, { Action: "UpdateSecGroupResponse", RetCode: 0 });
  });

  it("a bad DryRun or ClientToken is refused with 230 naming it", async () => {
    const dry = await form({ Action: "DeleteSecGroup", "SecGroupId.0": "secgroup-demo02", DryRun: "maybe" });
    assert.equal(dry.json.RetCode, 230);
    assert.match(String(dry.json.Message), /DryRun/);
    const token = await form({ Action: "CreateSecGroup", VPCID: "uvnet-demo01", Name: "x", ClientToken: "a b" });
    assert.equal(token.json.RetCode, 230);
    assert.match(String(token.json.Message), /ClientToken/);
  });

  it("a dry run's refusal is the real refusal, byte for byte", async () => {
    const params = { Action: "DisassociateSecGroup", "ResourceId.0": "uhost-demo04" };
    const dry = await form({ ...params, DryRun: "true" });
    const real = await form(params);
    assert.equal(dry.json.RetCode, 58208);
    assert.equal(dry.text, real.text);
  });

  it("a read ignores DryRun, as UCloud ignores parameters it does not know", async () => {
    const plain = await form({ Action: "DescribeSecGroup", "SecGroupId.0": "secgroup-demo01" });
    const dry = await form({ Action: "DescribeSecGroup", "SecGroupId.0": "secgroup-demo01", DryRun: "true" });
    assert.equal(dry.json.RetCode, 0);
    assert.equal(dry.text, plain.text);
  });

  it("a JSON ClientToken create and its repeat answer the same body", async () => {
    const params = { Action: "CreateSecGroup", VPCID: "uvnet-demo01", Name: "wire-token", ClientToken: "wire-1" };
    const first = await json(params);
    const again = await json(params);
    assert.equal(first.json.RetCode, 0);
    assert.equal(again.text, first.text);
  });
});
