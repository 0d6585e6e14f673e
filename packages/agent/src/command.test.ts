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

  it("runs nft as one long-lived session unless told to run a process per change", () => {
    const session = agentOptions(keys, {});
    const exec = agentOptions([...keys, "--nft-mode", "exec"], {});
    assert.ok(session !== "help" && exec !== "help");
    assert.equal(session.nftMode, "session");
    assert.equal(exec.nftMode, "exec");
    assert.throws(
      () => agentOptions([...keys, "--nft-mode", "batch"], {}),
      /--nft-mode: 'batch' is not session or exec/,
    );
  });

  it("follows the feed's event stream unless told to long-poll", () => {
    const stream = agentOptions(keys, {});
    const poll = agentOptions([...keys, "--feed-transport", "poll"], {});
    assert.ok(stream !== "help" && poll !== "help");
    assert.equal(stream.feedTransport, "stream");
    assert.equal(poll.feedTransport, "poll");
    assert.throws(
      () => agentOptions([...keys, "--feed-transport", "sse"], {}),
      /--feed-transport: 'sse' is not stream or poll/,
    );
  });

  it("names the flag that is wrong", () => {
    assert.throws(() => agentOptions(["--public-key", "p", "--private-key", "k"], {}), /--host-file is required/);
    assert.throws(() => agentOptions([...keys, "--table", "1x"], {}), /--table: '1x'/);
    assert.throws(() => agentOptions([...keys, "--listen", "nowhere"], {}), /--listen: 'nowhere' is not HOST:PORT/);
    assert.throws(() => agentOptions([...keys, "--service-network", "10.0.0/8"], {}), /--service-network/);
  });
});
