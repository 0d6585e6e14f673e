// `node --import tsx scripts/console-screenshots.ts`: regenerates the screenshots of docs/console.md
// (docs/console/*.png) — the console built from the sources, the real server on examples/seed.json, headless Chromium.
import { mkdir } from "node:fs/promises";
import { chromium, type Page } from "playwright-core";
import {
  CHROMIUM,
  CHROMIUM_FLAGS,
  DEMO_KEY,
  OPERATOR_KEY,
  signedIn,
  startConsoleServer,
} from "../packages/console/test/browser.ts";

const OUT = new URL("../docs/console/", import.meta.url).pathname;

async function shot(page: Page, name: string) {
  // Let the last reload (live feed, debounced) settle before taking the picture.
  await page.waitForTimeout(400);
  await page.screenshot({ path: `${OUT}${name}.png`, fullPage: false });
  console.log(`docs/console/${name}.png`);
}

await mkdir(OUT, { recursive: true });
const server = await startConsoleServer();
const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_FLAGS });
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const base = `${server.url}/console/`;
  await page.goto(base);
  await page.getByLabel("Public key").fill(DEMO_KEY.publicKey);
  await page.getByLabel("Private key").fill("wrong");
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("alert").waitFor();
  await shot(page, "sign-in-refused");

  await signedIn(page, server.url, DEMO_KEY);
  await page.getByRole("table", { name: "Security groups" }).getByText("secgroup-demo01").waitFor();
  await shot(page, "groups");

  await page.goto(`${base}#/cn-bj2/org-demo01/groups/secgroup-demo01`);
  await page.getByRole("table", { name: "Inbound rules" }).waitFor();
  await page.getByRole("button", { name: "Add inbound rule" }).click();
  await page.getByLabel("New inbound rule 1: priority").fill("1");
  await page.getByLabel("New inbound rule 1: ports").fill("8080");
  await page.getByRole("button", { name: "Save 1 change(s)" }).click();
  await page.locator(".field-error").first().waitFor();
  await shot(page, "group-field-error");

  await page.getByRole("button", { name: "Discard new inbound rule 1" }).click();
  await page.getByLabel("Select web-2").check();
  await page.getByRole("button", { name: "Unbind 1 selected" }).click();
  await page
    .getByRole("dialog")
    .getByText(/last security group/)
    .waitFor();
  await shot(page, "unbind-force");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

  await page.goto(`${base}#/cn-bj2/org-demo01/resources/uhost-demo01`);
  await page.getByRole("button", { name: "Check" }).click();
  await page
    .getByRole("status")
    .filter({ hasText: /Accept|Drop/ })
    .waitFor();
  await shot(page, "resource");

  await page.goto(`${base}#/activity`);
  await page.getByRole("table", { name: "Audit records" }).waitFor();
  await shot(page, "activity");

  await page.getByRole("button", { name: "Sign out" }).click();
  await signedIn(page, server.url, OPERATOR_KEY);
  await page.getByRole("table", { name: "Companies" }).waitFor();
  await page.getByRole("link", { name: "Resources", exact: true }).click();
  await page.getByRole("table", { name: "Resources" }).waitFor();
  await shot(page, "admin-resources");
} finally {
  await browser.close();
  await server.stop();
}
