// encodeEnvelope must be indistinguishable from JSON.stringify, remembered texts or not.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { encodeEnvelope, withRememberedJson } from "./encode-envelope.ts";

describe("encodeEnvelope", () => {
  it("equals JSON.stringify for any JSON-like envelope, with some list elements remembered", () => {
    const element = fc.oneof(
      fc.jsonValue(),
      fc.dictionary(fc.string(), fc.jsonValue()).map((o) => withRememberedJson(o)),
      fc.constant(undefined),
    );
    const value = fc.oneof(fc.jsonValue(), fc.array(element), fc.constant(undefined));
    fc.assert(
      fc.property(fc.dictionary(fc.string(), value), (fields) => {
        const envelope = { ...fields, Action: "DescribeSecGroupResponse", RetCode: 0 };
        assert.equal(encodeEnvelope(envelope), JSON.stringify(envelope));
      }),
      { numRuns: 2000 },
    );
  });

  it("splices a remembered element's text instead of encoding it again", () => {
    const shared = withRememberedJson({ SecGroupId: "secgroup-1", Rule: [{ Priority: 1 }] });
    const envelope = { DataSet: [shared, shared], TotalCount: 2, Action: "DescribeSecGroupResponse", RetCode: 0 };
    assert.equal(encodeEnvelope(envelope), JSON.stringify(envelope));
    // The text was taken when remembered: proof that it is reused, not recomputed (values must not be mutated).
    (shared.Rule[0] as { Priority: number }).Priority = 99;
    assert.match(encodeEnvelope(envelope), /"Priority":1\b/);
  });
});
