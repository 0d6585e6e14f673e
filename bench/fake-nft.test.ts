import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";
import { FAKE_NFT_SCRIPT, parseFakeApplies } from "./fake-nft.ts";

describe("parseFakeApplies", () => {
  it("reads complete lines and keeps the partial one", () => {
    const { applies, rest } = parseFakeApplies("a7 1765139000.123456 20001\nb 1765139000,500000 -\nc 17651");
    assert.deepEqual(rest, "c 17651");
    assert.equal(applies.length, 2);
    assert.equal(applies[0]?.tag, "a7");
    assert.equal(applies[0]?.port, 20001);
    assert.ok(Math.abs((applies[0]?.atMs ?? 0) - 1765139000123.456) < 1e-3);
  });

  it("takes a line without a port, a comma radix, and nothing at all", () => {
    assert.deepEqual(parseFakeApplies("x 10,000001 -\n").applies, [{ tag: "x", atMs: 10000.001, port: undefined }]);
    assert.deepEqual(parseFakeApplies(""), { applies: [], rest: "" });
  });

  it("refuses a line it does not know", () => {
    assert.throws(() => parseFakeApplies("x 10 20001\n"), /unexpected line/);
  });
});

describe("the fake nft script", () => {
  it("logs the tag, the time and the last port of a script, per nft -f and per nft -i line; answers a listing as for a missing table", () => {
    const dir = mkdtempSync(join(tmpdir(), "sgplane-fake-nft-"));
    try {
      const path = join(dir, "nft");
      const log = join(dir, "log");
      writeFileSync(path, FAKE_NFT_SCRIPT, { mode: 0o755 });
      const env = { ...process.env, SGPLANE_FAKE_NFT_TAG: "t3", SGPLANE_FAKE_NFT_LOG: log };
      const before = Date.now();
      const script =
        "flush chain inet sgplane r\nadd rule inet sgplane r udp dport 20001 accept\nadd rule inet sgplane r tcp dport 20002 accept\n";
      execFileSync(path, ["-f", "-"], { env, input: script });
      execFileSync(path, ["-f", "-"], { env, input: "flush chain inet sgplane r\n" });
      const { applies, rest } = parseFakeApplies(readFileSync(log, "utf8"));
      assert.equal(rest, "");
      assert.deepEqual(
        applies.map((a) => [a.tag, a.port]),
        [
          ["t3", 20002],
          ["t3", undefined],
        ],
      );
      for (const a of applies) assert.ok(a.atMs >= before - 1 && a.atMs <= Date.now() + 1, `${a.atMs}`);
      assert.throws(() => execFileSync(path, ["list", "table", "inet", "sgplane"], { env, stdio: "pipe" }));

      // nft -i, as the agent's session speaks it: a script per line, each followed by a listing of its end marker.
      writeFileSync(log, "");
      const session = spawnSync(path, ["-i"], {
        env,
        input:
          "flush chain inet sgplane r; add rule inet sgplane r udp dport 20001 accept; add rule inet sgplane r tcp dport 20003 accept\n" +
          "list table inet end_1\nflush chain inet sgplane r\nlist table inet end_2\n",
        encoding: "utf8",
      });
      assert.equal(session.status, 0);
      assert.equal(
        session.stderr,
        ["end_1", "end_2"]
          .map((m) => `Error: No such file or directory\nlist table inet ${m}\n${" ".repeat(21)}^^^\n`)
          .join(""),
      );
      assert.deepEqual(
        parseFakeApplies(readFileSync(log, "utf8")).applies.map((a) => [a.tag, a.port]),
        [
          ["t3", 20003],
          ["t3", undefined],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
