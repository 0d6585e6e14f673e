// Global input limits: parameter count, list length (however the list is sent), value length; documents exempt.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ApiError } from "@sgplane/catalogue";
import { countFormParams, type InputLimits } from "./limits.ts";
import { parseRequest } from "./parse-request.ts";

const LIMITS: InputLimits = { maxParams: 20, maxItems: 5, maxValueLength: 100 };

function rejects(fn: () => unknown, message: string): void {
  assert.throws(fn, (e: unknown) => e instanceof ApiError && e.retCode === 230 && e.message === message);
}

const form = (pairs: number, prefix = "K") => Array.from({ length: pairs }, (_, i) => `${prefix}${i}=x`).join("&");

describe("input limits", () => {
  it("counts form pairs as URLSearchParams yields them (empty segments are not pairs)", () => {
    assert.equal(countFormParams(""), 0);
    assert.equal(countFormParams("a=1"), 1);
    assert.equal(countFormParams("a=1&&b&"), 2);
    assert.equal(countFormParams(form(7)), 7);
  });

  it("parameter count: form body, query and JSON keys together", () => {
    const max = "Params [body] not available: more than 20 parameters";
    assert.equal(Object.keys(parseRequest("", "", form(20), LIMITS)).length, 20);
    rejects(() => parseRequest("", "", form(21), LIMITS), max);
    rejects(() => parseRequest(form(5, "Q"), "", form(16), LIMITS), max);
    rejects(() => parseRequest(form(21), "", "", LIMITS), max);
    const json = JSON.stringify(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`K${i}`, i])));
    rejects(() => parseRequest("", "application/json", json, LIMITS), max);
  });

  it("list length: Key.N indices, Key.N.Field objects, native arrays and JSON-array strings", () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => `secgroup-${i}`);
    const reason = (name: string) => `Params [${name}] not available: more than 5 elements`;
    assert.ok(
      parseRequest(
        "",
        "",
        ids(5)
          .map((id, i) => `SecGroupId.${i}=${id}`)
          .join("&"),
        LIMITS,
      ),
    );
    rejects(
      () =>
        parseRequest(
          "",
          "",
          ids(6)
            .map((id, i) => `SecGroupId.${i}=${id}`)
            .join("&"),
          LIMITS,
        ),
      reason("SecGroupId"),
    );
    rejects(
      () =>
        parseRequest(
          "",
          "",
          ids(6)
            .map((_, i) => `Rule.${i * 3}.Priority=1&Rule.${i * 3}.Remark=r`)
            .join("&"),
          LIMITS,
        ),
      reason("Rule"),
    );
    rejects(
      () => parseRequest("", "application/json", JSON.stringify({ SecGroupId: ids(6) }), LIMITS),
      reason("SecGroupId"),
    );
    rejects(
      () => parseRequest("", "application/json", JSON.stringify({ Rule: [{ IPRange: ids(6) }] }), LIMITS),
      reason("Rule.0.IPRange"),
    );
    rejects(
      () => parseRequest("", "", `SecGroupId=${encodeURIComponent(JSON.stringify(ids(6)))}`, LIMITS),
      reason("SecGroupId"),
    );
  });

  it("value length: every value, also unknown keys and strings inside native JSON", () => {
    const long = "x".repeat(101);
    assert.ok(parseRequest("", "", `Name=${"x".repeat(100)}`, LIMITS));
    rejects(
      () => parseRequest("", "", `Zzz=${long}`, LIMITS),
      "Params [Zzz] not available: longer than 100 characters",
    );
    rejects(
      () => parseRequest("", "application/json", JSON.stringify({ Rule: [{ Remark: long }] }), LIMITS),
      "Params [Rule.0.Remark] not available: longer than 100 characters",
    );
  });

  it("AdminImportState's State (a document) is bounded by the body limit only", () => {
    const state = JSON.stringify({ Companies: Array.from({ length: 50 }, (_, i) => ({ CompanyId: i + 1 })) });
    const bag = parseRequest(
      "",
      "",
      new URLSearchParams({ Action: "AdminImportState", State: state }).toString(),
      LIMITS,
    );
    assert.equal(bag.State, state);
    rejects(
      () => parseRequest("", "", new URLSearchParams({ Action: "AdminExportState", State: state }).toString(), LIMITS),
      "Params [State] not available: longer than 100 characters",
    );
  });
});
