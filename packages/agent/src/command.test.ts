import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { agentOptions, UsageError } from "./command.ts";

const keys = ["--host-file", "h.json", "--public-key", "p", "--private-key", "k"];

describe("sgplane agent flags", () => {
  it("takes a network namespace name and runs nft through nsenter into /run/netns/NAME", () => {
    const o = agentOptions([...keys, "--netns", "sgl-1a2b-99-host"], {});
    assert.ok(o !== "help");
    assert.equal(o.netns, "sgl-1a2b-99-host");
  });

  it("refuses a --netns that is not a plain name (it becomes a path)", () => {
    for (const bad of ["../../proc/1/ns/net", "..", ".", "a/b", "", "x".repeat(65)]) {
      assert.throws(
        () => agentOptions([...keys, "--netns", bad], {}),
        (e: unknown) => {
          assert.ok(e instanceof UsageError, `${bad}: ${String(e)}`);
          assert.match(e.message, /--netns: .* is not a network namespace name/);
          return true;
        },
      );
    }
  });

  // nft: one long-lived session unless told to run a process per change; the feed: its event stream unless told
  // to long-poll.
  for (const [flag, field, byDefault, other, bad] of [
    ["--nft-mode", "nftMode", "session", "exec", "batch"],
    ["--feed-transport", "feedTransport", "stream", "poll", "sse"],
  ] as const) {
    it(`${flag} is ${byDefault} unless told ${other}`, () => {
      const plain = agentOptions(keys, {});
      const told = agentOptions([...keys, flag, other], {});
      assert.ok(plain !== "help" && told !== "help");
      assert.equal(plain[field], byDefault);
      assert.equal(told[field], other);
      assert.throws(
        () => agentOptions([...keys, flag, bad], {}),
        new RegExp(`${flag}: '${bad}' is not ${byDefault} or ${other}`),
      );
    });
  }

  it("names the flag that is wrong", () => {
    assert.throws(() => agentOptions(["--public-key", "p", "--private-key", "k"], {}), /--host-file is required/);
    assert.throws(() => agentOptions([...keys, "--table", "1x"], {}), /--table: '1x'/);
    assert.throws(() => agentOptions([...keys, "--listen", "nowhere"], {}), /--listen: 'nowhere' is not HOST:PORT/);
    assert.throws(() => agentOptions([...keys, "--service-network", "10.0.0/8"], {}), /--service-network/);
  });
});
