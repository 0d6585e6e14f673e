// The README's help commands, run exactly as written (through npx, from the repository root): npm 11's npx takes a
// bare --help for itself, so the README documents `npx sgplane help …`, and each such line must print sgplane's help.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const README = readFileSync(new URL("README.md", `file://${ROOT}`), "utf8");

/** Every `npx sgplane help…` command quoted in the README, with `<command>` as the README writes it. */
const commands = [...new Set([...README.matchAll(/`(npx sgplane help[^`]*)`/g)].map((m) => m[1] as string))];

function run(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const argv = line.replace("<command>", "describe-sec-group").split(" ");
  return new Promise((resolve) => {
    execFile(argv[0] as string, argv.slice(1), { cwd: ROOT, timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : Number((error as NodeJS.ErrnoException).code ?? 1), stdout, stderr });
    });
  });
}

describe("README help commands", () => {
  it("the README documents help through `npx sgplane help`", () => {
    assert.deepEqual(commands.sort(), ["npx sgplane help", "npx sgplane help <command>", "npx sgplane help serve"]);
  });

  it("npx sgplane help lists the commands, the feed and audit ones included", async () => {
    const { code, stdout } = await run("npx sgplane help");
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: sgplane <command>/);
    assert.match(stdout, /describe-sec-group/);
    assert.match(stdout, /disassociate-sec-group/);
    assert.match(stdout, /describe-feed-events/);
  });

  it("npx sgplane help <command> shows that command's flags", async () => {
    const { code, stdout } = await run("npx sgplane help <command>");
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: sgplane describe-sec-group /);
    assert.match(stdout, /--sec-group-id/);
  });

  it("npx sgplane help serve shows the server's options", async () => {
    const { code, stdout } = await run("npx sgplane help serve");
    assert.equal(code, 0);
    assert.match(stdout, /^Usage: sgplane serve \[options\]/);
    assert.match(stdout, /--feed-retention/);
    assert.match(stdout, /--max-params/);
  });
});
