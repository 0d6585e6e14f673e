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
const files = findTests("packages")
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
let tail = "";
child.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  tail = (tail + chunk.toString()).slice(-4000);
});
child.on("exit", (code) => {
  const tests = Number(/tests (\d+)/.exec(tail)?.[1] ?? 0);
  const pass = Number(/pass (\d+)/.exec(tail)?.[1] ?? 0);
  const fail = Number(/fail (\d+)/.exec(tail)?.[1] ?? 0);
  const skipped = Number(/skipped (\d+)/.exec(tail)?.[1] ?? 0);
  console.log(`${pass} passed, ${fail} failed, ${skipped} skipped`);
  if (tests === 0) {
    console.error("run-tests: zero tests executed — treating as failure");
    process.exit(1);
  }
  process.exit(code ?? 1);
});
