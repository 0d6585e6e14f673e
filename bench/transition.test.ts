import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { transition } from "./transition.ts";

describe("transition", () => {
  it("is the first probe of the final run of new verdicts", () => {
    assert.deepEqual(transition([true, true, false, false], false), { index: 2, flaps: 0 });
    assert.deepEqual(transition([false, true, true], true), { index: 1, flaps: 0 });
    assert.deepEqual(transition([true], true), { index: 0, flaps: 0 });
  });

  it("counts new verdicts that an old one followed, and starts after the last old one", () => {
    // A slow pass posing as a drop: the early drop does not count as the switch.
    assert.deepEqual(transition([true, false, true, true, false, false], false), { index: 4, flaps: 1 });
    assert.deepEqual(transition([false, true, false, true, false, true], true), { index: 5, flaps: 2 });
  });

  it("is undefined while the last verdict is the old one", () => {
    assert.equal(transition([true, false, true], false), undefined);
    assert.equal(transition([], true), undefined);
  });
});
