// Both ways of running nft against the real kernel, in a namespace of the test's own: a script is one transaction
// (a kernel refusal anywhere in it applies none of it, and the previous ruleset stays), the refusal names the script
// line, the session goes on after a refusal, after its nft was killed, and both ways list the same table.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { CommandError, type HostCommands, hostCommands, type NftMode, SESSION_MAX_CHARS } from "../src/nft.ts";
import { createLab, type Lab, labSkipReason } from "./lab/index.ts";

const skip = await labSkipReason();

const TABLE = "sgtest";
const base = `table inet ${TABLE}
delete table inet ${TABLE}
table inet ${TABLE} {
  set s {
    type ipv4_addr;
    elements = { 198.18.0.1, 198.18.0.2 }
  }
  chain c {
    tcp dport 1 accept
    ip saddr @s udp dport 2 accept
  }
}
`;

const rulesOf = (listing: string | undefined) =>
  (listing ?? "")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => /dport/.test(l));

describe("nft modes against the kernel: one transaction per script", { skip: skip ?? false, timeout: 60_000 }, () => {
  let lab: Lab;
  before(async () => {
    lab = await createLab({ endpoints: [{ name: "a" }], ports: [80] });
  });
  after(async () => {
    await lab?.destroy();
  });

  for (const mode of ["session", "exec"] as const satisfies readonly NftMode[]) {
    it(`${mode}: applies, refuses whole, names the line, and goes on`, async () => {
      const nft: HostCommands = hostCommands({ netns: lab.host.netns, mode });
      try {
        await nft.apply(base);
        const listed = await nft.list(TABLE);
        assert.deepEqual(rulesOf(listed), ["tcp dport 1 accept", "ip saddr @s udp dport 2 accept"]);
        assert.equal(await nft.list("sgtest_none"), undefined);

        // The kernel refuses the third command (no such rule): the first two must not be applied either.
        const refused = `add rule inet ${TABLE} c tcp dport 3 accept\nadd element inet ${TABLE} s { 198.18.0.3 }\ndelete rule inet ${TABLE} c handle 99999\n`;
        await assert.rejects(nft.apply(refused), (error: unknown) => {
          assert.ok(error instanceof CommandError, String(error));
          assert.match(error.message, /No such file or directory/);
          if (mode === "session") assert.match(error.stderr, /script line 3: delete rule inet sgtest c handle 99999/);
          return true;
        });
        assert.equal(await nft.list(TABLE), listed, "a refused script changed the table");

        // A syntax error: nothing applied either; then a good script applies.
        await assert.rejects(nft.apply(`add rule inet ${TABLE} c tcp dport 70000 accept\n`), CommandError);
        await nft.apply(
          `flush chain inet ${TABLE} c\ntable inet ${TABLE} {\n  chain c {\n    tcp dport 4 accept\n  }\n}\n`,
        );
        assert.deepEqual(rulesOf(await nft.list(TABLE)), ["tcp dport 4 accept"]);

        // A script longer than a session takes (SESSION_MAX_CHARS) runs as a process of its own: the same all or none.
        const many = Array.from({ length: 400 }, (_, i) => `add rule inet ${TABLE} c tcp dport ${1000 + i} accept\n`);
        const big = many.join("");
        assert.ok(big.length > SESSION_MAX_CHARS);
        const before = await nft.list(TABLE);
        await assert.rejects(nft.apply(`${big}delete rule inet ${TABLE} c handle 99999\n`), CommandError);
        assert.equal(await nft.list(TABLE), before, "a refused long script changed the table");
        await nft.apply(big);
        assert.equal(rulesOf(await nft.list(TABLE)).length, 401);
      } finally {
        await nft.close();
      }
    });
  }

  it("session: a killed nft is started again for the next request", async () => {
    const nft = hostCommands({ netns: lab.host.netns, mode: "session" });
    try {
      await nft.apply(base);
      const nftPids = () =>
        execFileSync("pgrep", ["-P", String(process.pid), "-x", "nft"], { encoding: "utf8" })
          .trim()
          .split("\n");
      const [pid] = nftPids();
      assert.ok(pid !== undefined && pid !== "");
      process.kill(Number(pid), "SIGKILL");
      await new Promise((resolve) => setTimeout(resolve, 100));
      await nft.apply(`add rule inet ${TABLE} c tcp dport 5 accept\n`);
      assert.deepEqual(rulesOf(await nft.list(TABLE)), [
        "tcp dport 1 accept",
        "ip saddr @s udp dport 2 accept",
        "tcp dport 5 accept",
      ]);
    } finally {
      await nft.close();
    }
  });
});
