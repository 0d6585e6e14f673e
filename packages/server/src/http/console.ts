// Serves the web console's built files at /console/ from the API's own port: GET/HEAD only, index.html for any
// path that names no file (the console routes itself), precompressed .br/.gz when the client takes them, and a
// Content-Security-Policy that lets the page run nothing but its own scripts and talk to nothing but this origin.
import { existsSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import sirv from "sirv";

export const CONSOLE_PREFIX = "/console";

/**
 * Where `npm run build` puts the console: packages/server/dist/console. The same relative URL finds it from
 * the sources (src/http/) and from the bundle (dist/bin/).
 */
export const BUILT_CONSOLE_DIR = fileURLToPath(new URL("../../dist/console/", import.meta.url));

export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

export type ConsoleSetting = "auto" | "off" | { readonly dir: string };

export class ConsoleDirError extends Error {}

/** The directory to serve, or why there is none; DIR must hold an index.html (a typo should not start silently). */
export function resolveConsole(setting: ConsoleSetting): { dir: string } | { missing: string } {
  if (setting === "off") return { missing: "the console is switched off (--console off)" };
  if (setting === "auto") {
    return existsSync(join(BUILT_CONSOLE_DIR, "index.html"))
      ? { dir: BUILT_CONSOLE_DIR }
      : { missing: "the console is not built: run `npm run build` (or start with --console DIR)" };
  }
  if (!existsSync(join(setting.dir, "index.html"))) {
    throw new ConsoleDirError(`--console ${setting.dir}: no index.html there (build it with \`npm run build\`)`);
  }
  return { dir: setting.dir };
}

export type ConsoleHandler = (req: IncomingMessage, res: ServerResponse, pathname: string) => void;

function securityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONSOLE_CSP);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
}

function plain(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  securityHeaders(res);
  res.writeHead(status, {
    "Content-Type": "text/plain; charset=utf-8",
    "Content-Length": Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

export function createConsoleHandler(setting: ConsoleSetting): ConsoleHandler {
  const found = resolveConsole(setting);
  if ("missing" in found) {
    return (_req, res) => plain(res, 404, `sgplane: ${found.missing}\n`);
  }
  const serve = sirv(found.dir, {
    single: true,
    brotli: true,
    gzip: true,
    etag: true,
    setHeaders: (res, pathname) => {
      securityHeaders(res);
      // Vite names every asset by its content hash; index.html must be revalidated to pick up a new build.
      res.setHeader(
        "Cache-Control",
        pathname.startsWith("/assets/") ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
  return (req, res, pathname) => {
    if (req.method !== "GET" && req.method !== "HEAD") {
      return plain(res, 405, "method not allowed\n", { Allow: "GET, HEAD" });
    }
    if (pathname === CONSOLE_PREFIX) return plain(res, 308, "see /console/\n", { Location: `${CONSOLE_PREFIX}/` });
    const query = req.url?.includes("?") ? req.url.slice(req.url.indexOf("?")) : "";
    // sirv serves paths relative to the console's root; it reads the path from req.url.
    req.url = pathname.slice(CONSOLE_PREFIX.length) + query;
    serve(req, res, () => plain(res, 404, "not found\n"));
  };
}
