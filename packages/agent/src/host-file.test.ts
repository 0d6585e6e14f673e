import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { HostFileError, parseHostFile } from "./host-file.ts";

describe("host file", () => {
  it("maps resources to interfaces", () => {
    assert.deepEqual(parseHostFile('{"resources": {"uhost-b": "tap-b", "uhost-a": "tap-a"}}'), [
      { resourceId: "uhost-a", ifname: "tap-a" },
      { resourceId: "uhost-b", ifname: "tap-b" },
    ]);
  });

  for (const [text, message] of [
    ["not json", /not JSON/],
    ['{"hosts": {}}', /expected \{"resources"/],
    ['{"resources": ["uhost-a"]}', /expected/],
    ['{"resources": {"uhost-a": "an-interface-name-too-long"}}', /not an interface name/],
    ['{"resources": {"uhost-a": 7}}', /not an interface name/],
    ['{"resources": {"uhost a": "tap0"}}', /not a resource id/],
    ['{"resources": {"uhost-a": "tap0", "uhost-b": "tap0"}}', /named for both uhost-a and uhost-b/],
  ] as const) {
    it(`refuses ${text}`, () => {
      assert.throws(
        () => parseHostFile(text, "hosts.json"),
        (error: unknown) => {
          assert.ok(error instanceof HostFileError);
          assert.match(error.message, /^hosts\.json: /);
          assert.match(error.message, message);
          return true;
        },
      );
    });
  }
});
