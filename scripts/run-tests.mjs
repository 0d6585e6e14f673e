// Runs every TypeScript test file with node:test (through tsx) and fails when none ran: Node 20 skips .ts silently.
import { spawn } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

function findTests(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === "node_modules") continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) findTests(path, out);
    else if (name.endsWith(".test.ts")) out.push(path);
  }
  return out;
}

const filter = process.argv.slice(2);
// bench/ holds the benchmark, whose pure helpers have unit tests too (the benchmark itself is not a test).
const files = [...findTests("packages"), ...findTests("bench")]
  .filter((f) => filter.length === 0 || filter.some((part) => f.includes(part)))
  .sort();
if (files.length === 0) {
  console.error("run-tests: no test files found");
  process.exit(1);
}

const child = spawn(
  process.execPath,
  ["--import", "tsx", "--test", "--test-reporter=spec", "--test-concurrency=2", ...files],
  { stdio: ["ignore", "pipe", "inherit"] },
);
// The closing summary ("ℹ tests 12", "ℹ pass 12", ...) may come before a long failure list, so keep those lines.
const summary = {};
let partial = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  const lines = (partial + chunk.toString()).split("\n");
  partial = lines.pop() ?? "";
  for (const line of lines) {
    const m = /^(?:ℹ|#) (tests|pass|fail|skipped) (\d+)$/.exec(line.trim());
    if (m) summary[m[1]] = Number(m[2]);
  }
});
child.on("exit", (code) => {
  console.log(`${summary.pass ?? 0} passed, ${summary.fail ?? 0} failed, ${summary.skipped ?? 0} skipped`);
  if (!summary.tests) {
    console.error("run-tests: zero tests executed — treating as failure");
    process.exit(1);
  }
  process.exit(code ?? 1);
});
