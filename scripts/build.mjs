// Builds the production server: an ESM bundle (fast start: no TypeScript compile at run time), its migrations and
// the web console. Layout: packages/server/dist/bin/sgplane.mjs, its chunks beside it, packages/server/dist/
// migrations/<engine>/ — the chunk holding the migrator finds the migrations at ../migrations/ exactly as the sources
// do from src/store/sql/ — and packages/server/dist/console/, which `sgplane serve` serves at /console/ (--console
// auto). Code splitting turns main.ts's dynamic imports (serve, agent, CLI) into chunks loaded only by the command
// that needs them: `sgplane agent` never loads the server, and a smaller process is cheaper to start and to fork.
import { cp, rm } from "node:fs/promises";
import { build } from "esbuild";
import { buildConsole } from "./build-console.ts";

const dist = new URL("../packages/server/dist/", import.meta.url);
await rm(dist, { recursive: true, force: true });
await build({
  entryPoints: [new URL("../packages/server/src/main.ts", import.meta.url).pathname],
  outdir: new URL("bin/", dist).pathname,
  entryNames: "sgplane",
  chunkNames: "[name]-[hash]",
  outExtension: { ".js": ".mjs" },
  splitting: true,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  sourcemap: true,
  // Native and optional modules stay in node_modules.
  external: ["better-sqlite3", "pg", "pg-native"],
  // Bundled CommonJS dependencies (pino, prom-client) call require(); give the ESM bundle (each chunk) one.
  banner: {
    js: "import { createRequire as __sgplaneRequire } from 'node:module'; const require = __sgplaneRequire(import.meta.url);",
  },
  logLevel: "warning",
});
await cp(new URL("../packages/server/src/store/migrations/", import.meta.url), new URL("migrations/", dist), {
  recursive: true,
});
await buildConsole(new URL("console/", dist).pathname);
