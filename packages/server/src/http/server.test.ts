// Request targets: the hand split agrees with WHATWG URL parsing for the path and raw query sgplane uses.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { splitTarget } from "./server.ts";

describe("splitTarget", () => {
  it("splits origin-form targets at the first ?, dropping a fragment", () => {
    assert.deepEqual(splitTarget("/"), { pathname: "/", query: "" });
    assert.deepEqual(splitTarget("/healthz"), { pathname: "/healthz", query: "" });
    assert.deepEqual(splitTarget("/?Action=X&a=b?c"), { pathname: "/", query: "Action=X&a=b?c" });
    assert.deepEqual(splitTarget("/api?Action=X#frag?x"), { pathname: "/api", query: "Action=X" });
    assert.deepEqual(splitTarget("/metrics?"), { pathname: "/metrics", query: "" });
  });

  it("gives the same parameters as URL for the query", () => {
    for (const target of ["/?a=1&b=%20x+y", "/p?Name=a%26b&Empty=", "/x?%E4%B8%AD=%E6%96%87", "/?k=a b"]) {
      const url = new URL(target, "http://localhost");
      const mine = splitTarget(target);
      assert.equal(mine.pathname, url.pathname);
      assert.deepEqual([...new URLSearchParams(mine.query)], [...url.searchParams]);
    }
  });

  it("parses absolute-form targets as URLs", () => {
    assert.deepEqual(splitTarget("http://example.com/healthz?x=1"), { pathname: "/healthz", query: "x=1" });
  });
});
