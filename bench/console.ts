// `node --import tsx bench/console.ts` (after `npm run build`): the web console in headless Chromium against the
// production build — compressed JavaScript of the first load, and the group list with 1,000 groups: time to render
// all 1,000 rows and frame times while scrolling through them. Beside each figure, in the same browser and round,
// a baseline: the same 1,000 rows written as one plain-DOM table (innerHTML) from the same data, scrolled the same way.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM, CHROMIUM_FLAGS } from "../packages/console/test/browser.ts";
import { median } from "./stats.ts";

const { values: opts } = parseArgs({
  options: { rounds: { type: "string", default: "5" }, groups: { type: "string", default: "1000" } },
});
const ROUNDS = Number(opts.rounds);
const GROUPS = Number(opts.groups);
const MAIN = new URL("../packages/server/dist/bin/sgplane.mjs", import.meta.url).pathname;
const SEED = new URL("../examples/seed.json", import.meta.url).pathname;
const KEY = { publicKey: "demo-public-key", privateKey: "demo-private-key" };

interface Seed {
  Companies: {
    Quotas: Record<string, number>;
    SecGroups: {
      SecGroupId: string;
      Region: string;
      ProjectId: string;
      VPCId: string;
      Name: string;
      Rules: unknown[];
    }[];
  }[];
}

/** examples/seed.json with the demo company's groups raised to GROUPS, three rules each. */
function bigSeed(): Seed {
  const seed = JSON.parse(readFileSync(SEED, "utf8")) as Seed;
  const company = seed.Companies[0];
  if (company === undefined) throw new Error("examples/seed.json has no company");
  company.Quotas.SecGroupsPerCompany = GROUPS + 10;
  for (let i = company.SecGroups.length; i < GROUPS; i++) {
    company.SecGroups.push({
      SecGroupId: `secgroup-bench${String(i).padStart(5, "0")}`,
      Region: "cn-bj2",
      ProjectId: "org-demo01",
      VPCId: i % 2 ? "uvnet-demo01" : "uvnet-demo02",
      Name: `bench-${i}`,
      Rules: [22, 80, 443].map((port, p) => ({
        Direction: "Ingress",
        ProtocolType: "TCP",
        DstPort: String(port),
        IPRange: "10.0.0.0/8",
        Priority: p + 1,
        RuleAction: "Accept",
        Remark: "",
      })),
    });
  }
  return seed;
}

async function startServer(dir: string): Promise<{ url: string; child: ChildProcess }> {
  const seedPath = join(dir, "seed.json");
  await writeFile(seedPath, JSON.stringify(bigSeed()));
  // Pinned to core 0, the browser to core 1, as the other scenarios pin server and load generator.
  const child = spawn(
    "taskset",
    [
      "-c",
      "0",
      process.execPath,
      MAIN,
      "serve",
      "--port",
      "0",
      "--db",
      "sqlite::memory:",
      "--seed",
      seedPath,
      "--log-level",
      "warn",
      "--console",
      "auto",
    ],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      const m = /sgplane listening on (http:\/\/\S+)/.exec(out);
      if (m?.[1]) resolve(m[1]);
    });
    child.once("exit", (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
  return { url, child };
}

/** Scrolls the page to the bottom in equal steps, one per frame; returns each frame's duration in ms. */
async function scrollFrames(page: Page, steps = 120): Promise<number[]> {
  return page.evaluate(async (n) => {
    const { window, document, requestAnimationFrame } = globalThis as unknown as InPage;
    const frames: number[] = [];
    window.scrollTo(0, 0);
    const height = document.documentElement.scrollHeight - window.innerHeight;
    let last = await new Promise<number>((r) => requestAnimationFrame(r));
    for (let i = 1; i <= n; i++) {
      window.scrollTo(0, (height * i) / n);
      const now = await new Promise<number>((r) => requestAnimationFrame(r));
      frames.push(now - last);
      last = now;
    }
    return frames;
  }, steps);
}

/**
 * The few browser globals the in-page functions use. This file is type-checked with Node's libs (the functions are
 * serialized and run in Chromium), so they reach the page's globals through this shape instead of lib.dom.
 */
interface InPage {
  readonly window: { scrollTo(x: number, y: number): void; readonly innerHeight: number };
  readonly document: {
    readonly documentElement: { readonly scrollHeight: number };
    readonly body: { readonly textContent: string | null };
    querySelector(selector: string): { readonly children: ArrayLike<{ readonly textContent: string | null }> } | null;
    getElementById(id: string): { innerHTML: string } | null;
  };
  requestAnimationFrame(callback: (now: number) => void): number;
  readonly performance: {
    now(): number;
    clearResourceTimings(): void;
    getEntriesByType(type: "resource"): readonly { readonly responseEnd: number }[];
  };
}

function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? Number.NaN;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), "sgplane-bench-console-"));
  const { url, child } = await startServer(dir);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
  const rows: { console: number; api: number; baseline: number; frames: number[]; baseFrames: number[] }[] = [];
  let firstLoad = { js: 0, jsRaw: 0, files: 0 };
  try {
    for (let round = 0; round < ROUNDS; round++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const js: Promise<{ encoded: number; raw: number }>[] = [];
      page.on("response", (res) => {
        if (res.url().endsWith(".js"))
          js.push(
            res
              .request()
              .sizes()
              .then(async (s) => ({ encoded: s.responseBodySize, raw: (await res.body()).length })),
          );
      });
      await page.goto(`${url}/console/`);
      await page.getByLabel("Public key").fill(KEY.publicKey);
      await page.getByLabel("Private key").fill(KEY.privateKey);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("table", { name: "Security groups" }).waitFor();
      const sizes = await Promise.all(js);
      firstLoad = {
        js: sizes.reduce((a, s) => a + s.encoded, 0),
        jsRaw: sizes.reduce((a, s) => a + s.raw, 0),
        files: sizes.length,
      };
      // A: the console's list at 1,000 per page: from just before the page-size change to the first frame painted
      // after the pager says "1000 in all", timed in the page (one DevTools round trip of the change included).
      const t0 = await page.evaluate(() => (globalThis as unknown as InPage).performance.now());
      await page.getByLabel("Per page").selectOption("1000");
      const renderMs = await page.evaluate(
        async ([total, start]) => {
          const { document, requestAnimationFrame, performance } = globalThis as unknown as InPage;
          // No named functions in here: tsx would wrap them in a helper the page does not have.
          while (!document.body.textContent?.includes(`${total} in all`)) {
            await new Promise<number>((r) => requestAnimationFrame(r));
          }
          await new Promise<number>((r) => requestAnimationFrame(r));
          return performance.now() - start;
        },
        [GROUPS, t0] as const,
      );
      // The same list, reloaded (API calls included): navigation to the groups page from another page.
      await page.getByRole("link", { name: "Resources" }).click();
      await page.getByRole("table", { name: "Resources" }).waitFor();
      const before = await page.evaluate(() => {
        const { performance } = globalThis as unknown as InPage;
        performance.clearResourceTimings();
        return performance.now();
      });
      await page.goto(`${url}/console/#/cn-bj2/org-demo01/groups?per=1000`);
      await page.getByText(`${GROUPS} in all`).waitFor();
      const [loaded, apiEnd] = await page.evaluate(() => {
        const { performance } = globalThis as unknown as InPage;
        return [performance.now(), Math.max(0, ...performance.getEntriesByType("resource").map((e) => e.responseEnd))];
      });
      const frames = await scrollFrames(page);
      // Scrolled to the bottom, the list shows its last group (windowed rows follow the scroll).
      await page.locator(`tr[data-group="secgroup-bench${String(GROUPS - 1).padStart(5, "0")}"]`).waitFor();
      // B: the baseline in the same page: 1,000 rows shaped like the console's first row, written as one plain
      // innerHTML table in place of the page, then scrolled the same way.
      const baseline = await page.evaluate((total) => {
        const { document, requestAnimationFrame, performance } = globalThis as unknown as InPage;
        const sample = Array.from(
          document.querySelector("tr[data-group]")?.children ?? [],
          (td) => td.textContent ?? "",
        );
        const main = document.getElementById("main");
        if (main === null) throw new Error("no main");
        const start = performance.now();
        const rows = Array.from(
          { length: total },
          (_, i) => `<tr>${sample.map((c, j) => `<td>${j === 1 ? `secgroup-b${i}` : c}</td>`).join("")}</tr>`,
        );
        main.innerHTML = `<table><tbody>${rows.join("")}</tbody></table>`;
        // Timed like the console's: to the first frame painted after the change.
        return new Promise<number>((r) => requestAnimationFrame(() => r(performance.now() - start)));
      }, GROUPS);
      const baseFrames = await scrollFrames(page);
      rows.push({ console: renderMs, api: apiEnd - before, baseline, frames, baseFrames });
      console.log(
        `round ${round + 1}: render 1,000 rows ${renderMs.toFixed(0)} ms (page load with API ${(loaded - before).toFixed(0)} ms, of which API ${(apiEnd - before).toFixed(0)} ms); baseline innerHTML ${baseline.toFixed(0)} ms; scroll frame p50 ${quantile(frames, 0.5).toFixed(1)} / p99 ${quantile(frames, 0.99).toFixed(1)} ms, baseline ${quantile(baseFrames, 0.5).toFixed(1)} / ${quantile(baseFrames, 0.99).toFixed(1)} ms`,
      );
      await context.close();
    }
  } finally {
    await browser.close();
    child.kill("SIGTERM");
    await rm(dir, { recursive: true, force: true });
  }
  const m = (f: (r: (typeof rows)[number]) => number) => median(rows.map(f)).toFixed(1);
  console.log(
    `\nfirst load: ${firstLoad.files} JS file(s), ${(firstLoad.js / 1024).toFixed(1)} KiB compressed over the wire (${(firstLoad.jsRaw / 1024).toFixed(1)} KiB uncompressed)`,
  );
  console.log(`medians over ${ROUNDS} rounds, ${GROUPS} groups:`);
  console.log(`| figure | console | plain-DOM baseline |`);
  console.log(`|---|---|---|`);
  console.log(
    `| render the list at 1,000 a page (page size change → "1000 in all" shown) | ${m((r) => r.console)} ms | ${m((r) => r.baseline)} ms |`,
  );
  console.log(
    `| scroll through them, frame time p50 | ${m((r) => quantile(r.frames, 0.5))} ms | ${m((r) => quantile(r.baseFrames, 0.5))} ms |`,
  );
  console.log(
    `| scroll through them, frame time p99 | ${m((r) => quantile(r.frames, 0.99))} ms | ${m((r) => quantile(r.baseFrames, 0.99))} ms |`,
  );
  console.log(
    `| scroll through them, frame time max | ${m((r) => Math.max(...r.frames))} ms | ${m((r) => Math.max(...r.baseFrames))} ms |`,
  );
  console.log(
    `| API calls of the page (DescribeSecGroup + DescribeResourceSecGroup, 1,000 per page) | ${m((r) => r.api)} ms | |`,
  );
}

await main();
