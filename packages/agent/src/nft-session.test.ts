import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { describeRefusal, oneLine } from "./nft-session.ts";

describe("an nft script as one nft -i line", () => {
  it("joins the lines with '; ' and drops the empty ones", () => {
    assert.equal(
      oneLine("table inet t {\n  chain c {\n    tcp dport 1 accept\n  }\n}\n\nflush chain inet t c\n"),
      "table inet t {;   chain c {;     tcp dport 1 accept;   }; }; flush chain inet t c",
    );
  });

  it("names the script line nft's caret points at, without echoing the whole line", () => {
    const script = "add rule inet t c tcp dport 1 accept\ndelete rule inet t c handle 9999\n";
    const line = oneLine(script);
    const column = line.indexOf("9999");
    const output = `Error: Could not process rule: No such file or directory\n${line}\n${" ".repeat(column)}^^^^\n`;
    assert.equal(
      describeRefusal(output, script),
      "Error: Could not process rule: No such file or directory\n  script line 2: delete rule inet t c handle 9999\n",
    );
  });

  it("keeps nft's words when there is no caret to map", () => {
    assert.equal(describeRefusal("Error: something\n", "x\n"), "Error: something\n");
    assert.equal(describeRefusal("odd output\n", "x\n"), "odd output\n");
  });
});
