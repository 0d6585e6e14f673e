// Writes (or with --check, verifies) the docs generated from the catalogue.
import { readFileSync, writeFileSync } from "node:fs";
import { generatedDocs } from "../packages/catalogue/src/docs/render-docs.ts";
import { clientDocs } from "../packages/cli/src/docs/generated-docs.ts";

const check = process.argv.includes("--check");
let stale = 0;
for (const [path, render] of Object.entries({ ...generatedDocs, ...clientDocs })) {
  const text = render();
  let current = "";
  try {
    current = readFileSync(path, "utf8");
  } catch {}
  if (current === text) continue;
  if (check) {
    console.error(`${path} is stale: run npm run docs`);
    stale++;
  } else {
    writeFileSync(path, text);
    console.log(`wrote ${path}`);
  }
}
process.exit(stale > 0 ? 1 : 0);
