// Configuration: flags over environment over defaults; bad values are named.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, DEFAULT_DB, parseServeConfig } from "./config.ts";

describe("parseServeConfig", () => {
  it("defaults", () => {
    assert.deepEqual(parseServeConfig([], {}), {
      host: "127.0.0.1",
      port: 8080,
      db: DEFAULT_DB,
      seed: undefined,
      operatorKeys: [],
      logLevel: "info",
      bodyLimitBytes: 1048576,
    });
  });
  it("flags win over environment variables", () => {
    const c = parseServeConfig(["--port", "0", "--operator-key", "a:b", "--operator-key", "c:d:e"], {
      SGPLANE_PORT: "9000",
      SGPLANE_DB: "sqlite::memory:",
      SGPLANE_OPERATOR_KEY: "x:y",
    });
    assert.ok(c !== "help");
    assert.equal(c.port, 0);
    assert.equal(c.db, "sqlite::memory:");
    assert.deepEqual(c.operatorKeys, [
      { publicKey: "a", privateKey: "b" },
      { publicKey: "c", privateKey: "d:e" },
    ]);
  });
  it("bad values name the flag", () => {
    assert.throws(() => parseServeConfig(["--port", "x"], {}), (e: unknown) => e instanceof ConfigError && /--port/.test(e.message));
    assert.throws(() => parseServeConfig([], { SGPLANE_LOG_LEVEL: "loud" }), /--log-level/);
    assert.throws(() => parseServeConfig(["--operator-key", "nocolon"], {}), /--operator-key/);
    assert.throws(() => parseServeConfig(["--bogus"], {}), ConfigError);
  });
});
