// Builds the production server: one ESM bundle (fast start: no TypeScript compile at run time), its migrations and
// the web console. Layout: packages/server/dist/bin/sgplane.mjs, packages/server/dist/migrations/<engine>/ — the
// bundle finds the migrations at ../migrations/ exactly as the sources do from src/store/sql/ — and
// packages/server/dist/console/, which `sgplane serve` serves at /console/ (--console auto).
import { cp, rm } from "node:fs/promises";
import { build } from "esbuild";
import { buildConsole } from "./build-console.ts";

const dist = new URL("../packages/server/dist/", import.meta.url);
await rm(dist, { recursive: true, force: true });
await build({
  entryPoints: [new URL("../packages/server/src/main.ts", import.meta.url).pathname],
  outfile: new URL("bin/sgplane.mjs", dist).pathname,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  // Native and optional modules stay in node_modules.
  external: ["better-sqlite3", "pg", "pg-native"],
  // Bundled CommonJS dependencies (pino, prom-client) call require(); give the ESM bundle one.
  banner: {
    js: "import { createRequire as __sgplaneRequire } from 'node:module'; const require = __sgplaneRequire(import.meta.url);",
  },
  logLevel: "warning",
});
await cp(new URL("../packages/server/src/store/migrations/", import.meta.url), new URL("migrations/", dist), {
  recursive: true,
});
await buildConsole(new URL("console/", dist).pathname);
