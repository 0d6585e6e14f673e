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
      maxParams: 2000,
      maxItems: 1000,
      maxValueLength: 65536,
      rateLimit: 0,
      rateBurst: 1,
      headersTimeoutMs: 10_000,
      requestTimeoutMs: 30_000,
      keepAliveTimeoutMs: 5000,
      feed: true,
      feedRetentionMs: 7 * 86_400_000,
      audit: true,
      auditReads: true,
      auditRetentionMs: 90 * 86_400_000,
      clientTokenTtlMs: 24 * 3_600_000,
      serviceNetworks: ["100.64.0.0/10"],
      console: "auto",
    });
  });
  it("client-token-ttl: a duration from the flag or SGPLANE_CLIENT_TOKEN_TTL; a bad one is named", () => {
    const c = parseServeConfig(["--client-token-ttl", "90s"], {});
    assert.ok(c !== "help");
    assert.equal(c.clientTokenTtlMs, 90_000);
    const e = parseServeConfig([], { SGPLANE_CLIENT_TOKEN_TTL: "2h" });
    assert.ok(e !== "help");
    assert.equal(e.clientTokenTtlMs, 7_200_000);
    assert.throws(() => parseServeConfig(["--client-token-ttl", "soon"], {}), /--client-token-ttl/);
  });
  it("console: auto, off or a directory, from the flag or SGPLANE_CONSOLE", () => {
    const pick = (args: string[], env: Record<string, string> = {}) => {
      const c = parseServeConfig(args, env);
      assert.ok(c !== "help");
      return c.console;
    };
    assert.equal(pick(["--console", "off"]), "off");
    assert.equal(pick([], { SGPLANE_CONSOLE: "off" }), "off");
    assert.deepEqual(pick(["--console", "/srv/console"], { SGPLANE_CONSOLE: "off" }), { dir: "/srv/console" });
    assert.throws(() => parseServeConfig(["--console", " "], {}), /--console: expected auto, off or a directory/);
  });
  it("service networks: a CIDR list, host bits cleared; a bad one is named", () => {
    const c = parseServeConfig(["--service-network", "198.19.255.7/24,fd00:5367::ff:0/112"], {});
    assert.ok(c !== "help");
    assert.deepEqual(c.serviceNetworks, ["198.19.255.0/24", "fd00:5367::ff:0/112"]);
    assert.throws(() => parseServeConfig(["--service-network", "10.0.0.0/8,nope"], {}), /--service-network: "nope"/);
  });
  it("feed and audit switches and retention windows; bad values are named", () => {
    const c = parseServeConfig(["--feed", "off", "--audit-reads", "off", "--feed-retention", "90s"], {
      SGPLANE_AUDIT_RETENTION: "12h",
    });
    assert.ok(c !== "help");
    assert.deepEqual(
      [c.feed, c.audit, c.auditReads, c.feedRetentionMs, c.auditRetentionMs],
      [false, true, false, 90_000, 43_200_000],
    );
    assert.throws(() => parseServeConfig(["--feed", "maybe"], {}), /--feed: expected on or off/);
    assert.throws(() => parseServeConfig(["--feed-retention", "7"], {}), /--feed-retention: expected a duration/);
    assert.throws(() => parseServeConfig(["--audit-retention", "50ms"], {}), /--audit-retention: expected a duration/);
  });
  it("limits and timeouts from flags and environment; burst defaults to twice the rate", () => {
    const c = parseServeConfig(["--max-params", "50", "--rate-limit", "20", "--headers-timeout", "300"], {
      SGPLANE_MAX_ITEMS: "10",
      SGPLANE_MAX_VALUE_LENGTH: "1000",
      SGPLANE_REQUEST_TIMEOUT: "600",
      SGPLANE_KEEP_ALIVE_TIMEOUT: "200",
    });
    assert.ok(c !== "help");
    assert.deepEqual([c.maxParams, c.maxItems, c.maxValueLength, c.rateLimit, c.rateBurst], [50, 10, 1000, 20, 40]);
    assert.deepEqual([c.headersTimeoutMs, c.requestTimeoutMs, c.keepAliveTimeoutMs], [300, 600, 200]);
    const burst = parseServeConfig(["--rate-limit", "5", "--rate-burst", "7"], {});
    assert.ok(burst !== "help");
    assert.equal(burst.rateBurst, 7);
  });
  it("bad limits name the flag", () => {
    assert.throws(() => parseServeConfig(["--max-params", "0"], {}), /--max-params/);
    assert.throws(() => parseServeConfig([], { SGPLANE_MAX_ITEMS: "-1" }), /--max-items/);
    assert.throws(() => parseServeConfig(["--rate-limit", "fast"], {}), /--rate-limit/);
    assert.throws(
      () => parseServeConfig(["--headers-timeout", "5000", "--request-timeout", "1000"], {}),
      /--headers-timeout/,
    );
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
    assert.throws(
      () => parseServeConfig(["--port", "x"], {}),
      (e: unknown) => e instanceof ConfigError && /--port/.test(e.message),
    );
    assert.throws(() => parseServeConfig([], { SGPLANE_LOG_LEVEL: "loud" }), /--log-level/);
    assert.throws(() => parseServeConfig(["--operator-key", "nocolon"], {}), /--operator-key/);
    assert.throws(() => parseServeConfig(["--bogus"], {}), ConfigError);
  });
});
