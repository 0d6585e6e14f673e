// Builds the web console (packages/console, Vite) into a directory and precompresses its text files (.br, .gz),
// which the server's /console/ route sends to clients that accept them. Used by `npm run build` and the tests.
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";
import { build } from "vite";

export const CONSOLE_ROOT = fileURLToPath(new URL("../packages/console/", import.meta.url));

const COMPRESSIBLE = /\.(js|css|html|svg|json|map)$/;

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    if ((await stat(path)).isDirectory()) out.push(...(await filesUnder(path)));
    else out.push(path);
  }
  return out;
}

export async function buildConsole(outDir: string): Promise<void> {
  await build({
    root: CONSOLE_ROOT,
    configFile: join(CONSOLE_ROOT, "vite.config.ts"),
    logLevel: "warn",
    build: { outDir, emptyOutDir: true },
  });
  for (const file of await filesUnder(outDir)) {
    if (!COMPRESSIBLE.test(file) || file.endsWith(".map")) continue;
    const data = await readFile(file);
    await writeFile(`${file}.br`, brotliCompressSync(data, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
    await writeFile(`${file}.gz`, gzipSync(data, { level: 9 }));
  }
}
