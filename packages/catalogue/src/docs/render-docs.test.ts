// The committed reference docs must equal what the catalogue renders now.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { it } from "node:test";
import { fileURLToPath } from "node:url";
import { generatedDocs } from "./render-docs.ts";

const root = fileURLToPath(new URL("../../../../", import.meta.url));

for (const [path, render] of Object.entries(generatedDocs)) {
  it(`${path} is up to date (run npm run docs)`, () => {
    assert.equal(readFileSync(`${root}${path}`, "utf8"), render());
  });
}
