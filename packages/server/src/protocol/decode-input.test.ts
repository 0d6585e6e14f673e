// Typed access to the parameter bag: every accepted form of §1.3, and the 220/230 errors naming the parameter.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError, catalogue } from "@sgplane/catalogue";
import { decodeInput } from "./decode-input.ts";
import { type ParamBag, parseRequest } from "./parse-request.ts";

const bag = (o: Record<string, unknown>) => Object.assign(Object.create(null), o) as ParamBag;
const disassociate = (o: Record<string, unknown>) => decodeInput(catalogue.DisassociateSecGroup.input, bag(o));

function rejects(fn: () => unknown, retCode: number, messagePart: string) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ApiError, `expected ApiError, got ${String(e)}`);
    assert.equal(e.retCode, retCode);
    assert.ok(e.message.includes(messagePart), `"${e.message}" should include "${messagePart}"`);
    return true;
  });
}

describe("string[] forms", () => {
  it("Key.N in numeric order with gaps, empties dropped, duplicates removed", () => {
    const got = disassociate({
      "SecGroupId.10": "k",
      "SecGroupId.2": "b",
      "SecGroupId.0": "a",
      "SecGroupId.3": "",
      "SecGroupId.9": "a",
    });
    assert.deepEqual(got.SecGroupId, ["a", "b", "k"]);
  });
  it("native JSON array, JSON-array string, single plain value", () => {
    assert.deepEqual(disassociate({ SecGroupId: ["a", "b"] }).SecGroupId, ["a", "b"]);
    assert.deepEqual(disassociate({ SecGroupId: '["a","b"]' }).SecGroupId, ["a", "b"]);
    assert.deepEqual(disassociate({ SecGroupId: "secgroup-a" }).SecGroupId, ["secgroup-a"]);
  });
  it("flattened keys win over a plain value; doc placeholder .n goes last", () => {
    assert.deepEqual(disassociate({ SecGroupId: "x", "SecGroupId.0": "a" }).SecGroupId, ["a"]);
    assert.deepEqual(disassociate({ "SecGroupId.n": "z", "SecGroupId.1": "a" }).SecGroupId, ["a", "z"]);
  });
  it("a broken JSON-array string is 230 naming the parameter", () => {
    rejects(() => disassociate({ SecGroupId: "[1," }), 230, "Params [SecGroupId]");
  });
  it("a malformed id is 230 naming the element", () => {
    rejects(() => disassociate({ "ResourceId.3": "bad id!" }), 230, "Params [ResourceId.3]");
  });
});

describe("scalars", () => {
  it("bool from text, JSON boolean, 1/0; anything else 230", () => {
    assert.equal(disassociate({ "SecGroupId.0": "a", Force: "TRUE" }).Force, true);
    assert.equal(disassociate({ "SecGroupId.0": "a", Force: false }).Force, false);
    assert.equal(disassociate({ "SecGroupId.0": "a", Force: "1" }).Force, true);
    rejects(() => disassociate({ Force: "yes" }), 230, "Params [Force]");
  });
  it("int from text or JSON number, range checked", () => {
    const d = (o: Record<string, unknown>) => decodeInput(catalogue.DescribeSecGroup.input, bag(o));
    assert.equal(d({ Limit: "10", Offset: 3 }).Limit, 10);
    rejects(() => d({ Offset: "-1" }), 230, "Params [Offset]");
    rejects(() => d({ Limit: "1.5" }), 230, "Params [Limit]");
    rejects(() => d({ Limit: "99999999999999999999" }), 230, "Params [Limit]");
  });
  it("a scalar parameter sent as SecGroupId.0 is that value; two values is 230", () => {
    const d = (o: Record<string, unknown>) => decodeInput(catalogue.DescribeSecGroupResource.input, bag(o));
    assert.equal(d({ "SecGroupId.0": "secgroup-a" }).SecGroupId, "secgroup-a");
    rejects(() => d({ "SecGroupId.0": "a", "SecGroupId.1": "b" }), 230, "Params [SecGroupId]");
  });
  it("VPCID is also found as VPCId; a missing required string is 220", () => {
    const d = (o: Record<string, unknown>) => decodeInput(catalogue.CreateSecGroup.input, bag(o));
    assert.equal(d({ VPCId: "uvnet-1", Name: "n" }).VPCID, "uvnet-1");
    rejects(() => d({ VPCID: "uvnet-1", Name: "" }), 220, "Missing params [Name]");
    rejects(() => d({ VPCID: "uvnet-1", Name: "x".repeat(65) }), 230, "longer than 64");
  });
});

describe("object[] forms", () => {
  const create = (o: Record<string, unknown>) => decodeInput(catalogue.CreateSecGroupRule.input, bag(o));
  const rule = {
    Direction: "ingress",
    ProtocolType: "tcp",
    DstPort: "22",
    IPRange: "0.0.0.0/0",
    Priority: "1",
    RuleAction: "accept",
  };
  it("Rule.N.Field grouped by N, enums canonical, ints typed", () => {
    const flat: Record<string, unknown> = { SecGroupId: "secgroup-a" };
    for (const [k, v] of Object.entries(rule)) flat[`Rule.4.${k}`] = v;
    const got = create(flat);
    assert.deepEqual(got.Rule, [
      {
        Direction: "Ingress",
        ProtocolType: "TCP",
        DstPort: "22",
        IPRange: "0.0.0.0/0",
        Priority: 1,
        RuleAction: "Accept",
      },
    ]);
  });
  it("native array of objects and a JSON string are the same", () => {
    const a = create({ SecGroupId: "s", Rule: [{ ...rule, Priority: 1 }] });
    const b = create({ SecGroupId: "s", Rule: JSON.stringify([rule]) });
    assert.deepEqual(a, b);
  });
  it("a missing field names its wire index; a bad enum lists the allowed values", () => {
    rejects(
      () => create({ SecGroupId: "s", "Rule.7.Direction": "Ingress" }),
      220,
      "Missing params [Rule.7.ProtocolType]",
    );
    rejects(
      () => create({ SecGroupId: "s", Rule: [{ ...rule, Direction: "Sideways" }] }),
      230,
      "Params [Rule.0.Direction] not available: must be one of Ingress, Egress",
    );
    rejects(() => create({ SecGroupId: "s", Rule: [{ ...rule, Priority: 201 }] }), 230, "Params [Rule.0.Priority]");
  });
  it("required list absent is 220", () => {
    rejects(() => create({ SecGroupId: "s" }), 220, "Missing params [Rule]");
  });
});

describe("parseRequest", () => {
  it("form body wins over query; query fills the rest; + is a space", () => {
    const b = parseRequest("Action=Q&Extra=1", "application/x-www-form-urlencoded", "Action=B&Name=a+b%20c");
    assert.equal(b.Action, "B");
    assert.equal(b.Extra, "1");
    assert.equal(b.Name, "a b c");
  });
  it("repeated keys keep the first; JSON detected without a content type", () => {
    assert.equal(parseRequest("", "", "A=1&A=2").A, "1");
    assert.equal(parseRequest("", "text/plain", ' {"A":true}').A, true);
  });
  it("bad JSON, non-object JSON and very deep JSON are 230 [body]", () => {
    rejects(() => parseRequest("", "application/json", "{"), 230, "Params [body]");
    rejects(() => parseRequest("", "application/json", "[1]"), 230, "Params [body]");
    rejects(
      () => parseRequest("", "application/json", `{"a":${"[".repeat(100)}${"]".repeat(100)}}`),
      230,
      "nested deeper",
    );
  });
  it("__proto__ keys stay plain data", () => {
    const b = parseRequest("", "application/json", '{"__proto__":{"polluted":1},"Action":"X"}');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.getPrototypeOf(b), null);
    const f = parseRequest("__proto__=x&constructor=y", "", "");
    assert.equal(Object.getOwnPropertyDescriptor(f, "__proto__")?.value, "x");
  });
});
