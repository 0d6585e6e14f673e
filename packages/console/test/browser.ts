// Browser test harness: the console built once per test process into a temporary directory, the real server
// serving it (--console DIR), headless Debian Chromium driven by playwright-core, and an axe-core check.
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestContext } from "node:test";
import { type Browser, chromium, type Page } from "playwright-core";
import { buildConsole } from "../../../scripts/build-console.ts";
import { EXAMPLE_SEED, type ServerProcess, type StartOptions, startServer } from "../../server/test/harness.ts";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let built: Promise<string> | undefined;

/** The console's files, built once for this process (the tests run from sources: nothing is prebuilt). */
export function consoleBuild(): Promise<string> {
  built ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), "sgplane-console-"));
    await buildConsole(dir);
    process.once("exit", () => void rm(dir, { recursive: true, force: true }));
    return dir;
  })();
  return built;
}

/** Chromium, or a skip when it is missing; under CI=true a missing browser fails the test instead. */
export async function launchBrowser(t: TestContext): Promise<Browser | undefined> {
  if (!existsSync(CHROMIUM)) {
    if (process.env.CI === "true") {
      throw new Error(`${CHROMIUM} is missing: install Debian's chromium (.ci/run does) — CI=true never skips this`);
    }
    t.skip(`${CHROMIUM} is missing (apt-get install chromium)`);
    return undefined;
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
}

export async function startConsoleServer(options: StartOptions = {}): Promise<ServerProcess> {
  const dir = await consoleBuild();
  return startServer({ seed: EXAMPLE_SEED, ...options, args: ["--console", dir, ...(options.args ?? [])] });
}

export const DEMO_KEY = { publicKey: "demo-public-key", privateKey: "demo-private-key" };
export const DEV_KEY = { publicKey: "demo-dev-public-key", privateKey: "demo-dev-private-key" };
export const OPERATOR_KEY = { publicKey: "demo-operator-public-key", privateKey: "demo-operator-private-key" };

export async function signIn(page: Page, baseUrl: string, key: { publicKey: string; privateKey: string }) {
  await page.goto(`${baseUrl}/console/`);
  await page.getByLabel("Public key").fill(key.publicKey);
  await page.getByLabel("Private key").fill(key.privateKey);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Signs in and waits until the console shows its signed-in header. */
export async function signedIn(page: Page, baseUrl: string, key: { publicKey: string; privateKey: string }) {
  await signIn(page, baseUrl, key);
  await page.getByRole("button", { name: "Sign out" }).waitFor();
}

const require = createRequire(import.meta.url);
let axeSource: Promise<string> | undefined;

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: readonly { readonly target: readonly string[] }[];
}

/**
 * Runs axe-core on the page as it is now and returns the serious and critical violations. axe is evaluated through
 * the DevTools protocol, which the page's Content-Security-Policy (script-src 'self') does not apply to.
 */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  axeSource ??= readFile(require.resolve("axe-core/axe.min.js"), "utf8");
  const source = await axeSource;
  await page.evaluate(source);
  const violations = await page.evaluate(async () => {
    // Runs in the page: axe is the global the source above defined; with no context it checks the whole document.
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: AxeViolation[] }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target })),
    }));
  });
  return violations.filter((v) => v.impact === "serious" || v.impact === "critical");
}

export function describeViolations(list: readonly AxeViolation[]): string {
  return list
    .map((v) => `${v.impact} ${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)
    .join("\n");
}
