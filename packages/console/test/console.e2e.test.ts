// The console's journeys in headless Chromium against the real server (examples/seed.json), axe on every page.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import type { Browser, Page } from "playwright-core";
import type { ServerProcess } from "../../server/test/harness.ts";
import { runToExit } from "../../server/test/harness.ts";
import {
  DEMO_KEY,
  DEV_KEY,
  describeViolations,
  launchBrowser,
  OPERATOR_KEY,
  seriousViolations,
  signedIn,
  signIn,
  startConsoleServer,
} from "./browser.ts";

/** Fails on serious/critical axe violations of the page as shown now. */
async function assertAccessible(page: Page, where: string) {
  const found = await seriousViolations(page);
  assert.equal(found.length, 0, `axe on ${where}:\n${describeViolations(found)}`);
}

describe("console: journeys in headless chromium", { timeout: 400_000 }, () => {
  let server: ServerProcess;
  let browser: Browser | undefined;
  const errors: string[] = [];

  before(async (t) => {
    server = await startConsoleServer();
    browser = await launchBrowser(t as never);
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  async function newPage(): Promise<Page> {
    assert.ok(browser, "chromium is running");
    const page = await browser.newPage();
    page.on("pageerror", (e) => errors.push(String(e)));
    page.on("console", (m) => {
      // The network-failure journey makes the browser log its refused requests; those are the point of it.
      if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
    });
    return page;
  }

  it("a wrong key is refused clearly; the demo key signs in to the groups list", async () => {
    const page = await newPage();
    await signIn(page, server.url, { publicKey: "demo-public-key", privateKey: "not-the-key" });
    await page.getByRole("alert").getByText("The private key does not match this public key (RetCode 171)").waitFor();
    await signIn(page, server.url, { publicKey: "nobody", privateKey: "x" });
    await page.getByRole("alert").getByText("This public key is not known to the server (RetCode 172)").waitFor();
    await assertAccessible(page, "sign-in with a refusal");
    await signIn(page, server.url, DEMO_KEY);
    await page.getByRole("heading", { name: /Security groups/ }).waitFor();
    const web = page.getByRole("row").filter({ hasText: "secgroup-demo01" });
    await web.waitFor();
    // web: 3 rules, bound to web-1 and web-2.
    assert.deepEqual(
      await web
        .getByRole("cell")
        .allInnerTexts()
        .then((c) => c.slice(0, 6)),
      ["web", "secgroup-demo01", "uvnet-demo01", "Default", "3", "2"],
    );
    assert.ok(page.url().includes("#/cn-bj2/org-demo01/groups"), page.url());
    // The private key never appears in what the page sends.
    const sent: string[] = [];
    page.on("request", (r) => sent.push(`${r.url()} ${r.postData() ?? ""}`));
    await page.getByLabel("Search").fill("monit");
    assert.equal(await page.getByRole("row").filter({ hasText: "secgroup-demo" }).count(), 1);
    await page.reload();
    await page.getByRole("heading", { name: /Security groups/ }).waitFor();
    assert.ok(
      sent.length > 0 && sent.every((s) => !s.includes("demo-private-key")),
      "no request carries the private key",
    );
    await assertAccessible(page, "groups list");
    await page.close();
  });

  /** Counts the API calls of one action the page sends (form bodies: Action=X&…). */
  function countCalls(page: Page, action: string): () => number {
    let n = 0;
    page.on("request", (r) => {
      if (r.method() === "POST" && new URLSearchParams(r.postData() ?? "").get("Action") === action) n++;
    });
    return () => n;
  }

  let apiGroup = "";

  it("creates a group from the web template, then adds and edits rules: field errors shown beside the field and corrected", async () => {
    const page = await newPage();
    await signedIn(page, server.url, DEMO_KEY);
    await page.getByRole("button", { name: "Create group" }).click();
    const dialog = page.getByRole("dialog", { name: "Create a security group" });
    await dialog.getByLabel("Name").fill("api");
    await dialog.getByLabel("VPC").selectOption("uvnet-demo01");
    await dialog.getByLabel("Template").selectOption("web");
    await assertAccessible(page, "create dialog");
    const creates = countCalls(page, "CreateSecGroup");
    await dialog.getByRole("button", { name: "Create" }).dblclick();
    await page.getByRole("heading", { name: /^api/ }).waitFor();
    assert.equal(creates(), 1, "a double click creates one group");
    apiGroup = /groups\/(secgroup-[^/?]+)/.exec(page.url())?.[1] ?? "";
    assert.match(apiGroup, /^secgroup-/);
    const inbound = page.getByRole("table", { name: "Inbound rules" });
    assert.equal(await inbound.locator("tbody tr[data-rule]").count(), 6, "the web template's six inbound rules");
    await assertAccessible(page, "group page");

    // Two new inbound rules at once: the second has a bad port list, the first a priority already taken (1: SSH).
    await page.getByRole("button", { name: "Add inbound rule" }).click();
    await page.getByRole("button", { name: "Add inbound rule" }).click();
    await page.getByLabel("New inbound rule 1: priority").fill("1");
    await page.getByLabel("New inbound rule 1: ports").fill("8080");
    await page.getByLabel("New inbound rule 2: priority").fill("50");
    await page.getByLabel("New inbound rule 2: ports").fill("80,abc");
    const ruleCalls = countCalls(page, "CreateSecGroupRule");
    await page.getByRole("button", { name: "Save 2 change(s)" }).dblclick();
    const portError = page.locator("tr[data-draft] .field-error").filter({ hasText: "Rule.1.DstPort" });
    await portError.waitFor();
    assert.equal(ruleCalls(), 1, "a double click sends one CreateSecGroupRule");
    assert.equal(await page.getByLabel("New inbound rule 2: ports").getAttribute("aria-invalid"), "true");
    await assertAccessible(page, "group page with a field error");
    await page.getByLabel("New inbound rule 2: ports").fill("8443");
    await page.getByRole("button", { name: "Save 2 change(s)" }).click();
    await page.locator(".field-error").filter({ hasText: "Priority 1 is already used" }).waitFor();
    assert.equal(await page.getByLabel("New inbound rule 1: priority").getAttribute("aria-invalid"), "true");
    await page.getByLabel("New inbound rule 1: priority").fill("49");
    await page.getByRole("button", { name: "Save 2 change(s)" }).click();
    await page.getByRole("status").filter({ hasText: "2 rule(s) added" }).waitFor();
    await inbound.locator("tbody tr[data-rule]").nth(7).waitFor();
    assert.equal(await inbound.locator("tbody tr[data-rule]").count(), 8);

    // Edit two existing rules at once (UpdateSecGroupRule): SSH to port 2222, RDP dropped.
    await page.getByRole("button", { name: "Edit inbound rule priority 1" }).click();
    await page.getByRole("button", { name: "Edit inbound rule priority 2" }).click();
    await page.getByLabel("Inbound rule 1: ports").fill("2222");
    await page.getByLabel("Inbound rule 2: action").selectOption("Drop");
    await page.getByRole("button", { name: "Save 2 change(s)" }).click();
    await page.getByRole("status").filter({ hasText: "2 rule(s) changed" }).waitFor();
    const rows = await inbound.locator("tbody tr[data-rule]").allInnerTexts();
    assert.match(rows[0] ?? "", /^\s*1\s+TCP\s+2222/);
    assert.match(rows[1] ?? "", /Drop/);
    const sorted = rows.map((r) => Number(/^\s*(\d+)/.exec(r)?.[1]));
    assert.deepEqual(
      sorted,
      [...sorted].sort((a, b) => a - b),
      "inbound rules by priority",
    );
    await page.close();
  });

  it("binds two resources, then unbinds them: the last-group check and the Force confirmation", async () => {
    const page = await newPage();
    await signedIn(page, server.url, DEMO_KEY);
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/groups/${apiGroup}`);
    await page.getByRole("button", { name: "Bind resources" }).click();
    const bind = page.getByRole("dialog", { name: /Bind/ });
    await bind.getByLabel(/web-1/).check();
    await bind.getByLabel(/web-2/).check();
    await assertAccessible(page, "bind dialog");
    await bind.getByRole("button", { name: "Bind 2" }).click();
    await page.getByRole("heading", { name: "Bound resources (2)" }).waitFor();

    // Take web off web-1 and web-2 (each keeps api): no refusal expected.
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/groups/secgroup-demo01`);
    await page.getByRole("heading", { name: "Bound resources (2)" }).waitFor();
    await page.getByLabel("Select every bound resource").check();
    await page.getByRole("button", { name: "Unbind 2 selected" }).click();
    const plain = page.getByRole("dialog", { name: "Unbind secgroup-demo01" });
    await plain.getByText("Every one of them keeps at least one other group.").waitFor();
    await plain.getByRole("button", { name: "Unbind", exact: true }).click();
    await page.getByRole("heading", { name: "Bound resources (0)" }).waitFor();

    // Now api is web-2's last group (web-1 keeps monitoring): the console says so before sending.
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/groups/${apiGroup}`);
    await page.getByRole("heading", { name: "Bound resources (2)" }).waitFor();
    await page.getByLabel("Select web-1").check();
    await page.getByLabel("Select web-2").check();
    const unbinds = countCalls(page, "DisassociateSecGroup");
    await page.getByRole("button", { name: "Unbind 2 selected" }).click();
    const dialog = page.getByRole("dialog", { name: `Unbind ${apiGroup}` });
    await dialog.getByText("This is the last security group of web-2 (uhost-demo02).").waitFor();
    await dialog.getByText(/meant for unbinding before the resource is deleted/).waitFor();
    assert.equal(unbinds(), 0, "nothing is sent before the user chooses");
    await assertAccessible(page, "Force dialog");
    await dialog.getByRole("button", { name: "Unbind with Force" }).dblclick();
    await page.getByRole("heading", { name: "Bound resources (0)" }).waitFor();
    assert.equal(unbinds(), 1, "a double click sends one DisassociateSecGroup");
    const left = await server.client().call<{ DataSet: { SecGroupInfo: unknown[] }[] }>("DescribeResourceSecGroup", {
      ResourceId: ["uhost-demo01", "uhost-demo02"],
    });
    assert.deepEqual(
      left.DataSet.map((r) => r.SecGroupInfo.length),
      [1, 0],
    );
    await page.close();
  });

  it("shows a change made through the CLI without a reload", async () => {
    const page = await newPage();
    await signedIn(page, server.url, DEMO_KEY);
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/groups/secgroup-demo02`);
    await page.getByRole("heading", { name: /^monitoring/ }).waitFor();
    await page.getByText("Live", { exact: true }).waitFor();
    const cli = await runToExit(
      [
        "update-sec-group",
        "--sec-group-id",
        "secgroup-demo02",
        "--name",
        "monitoring-from-cli",
        "--base-url",
        `${server.url}/`,
        "--public-key",
        DEMO_KEY.publicKey,
        "--private-key",
        DEMO_KEY.privateKey,
        "--region",
        "cn-bj2",
      ],
      { SGPLANE_CONFIG: "/nonexistent/sgplane-config.json" },
    );
    assert.equal(cli.code, 0, cli.stderr);
    await page.getByRole("heading", { name: /^monitoring-from-cli/ }).waitFor({ timeout: 20_000 });
    await page.goto(`${server.url}/console/#/activity`);
    await page.getByRole("table", { name: "Audit records" }).getByText("UpdateSecGroup").first().waitFor();
    await assertAccessible(page, "activity page");
    await page.close();
  });

  it("a sub-account sees only its projects and is refused another's bookmark", async () => {
    const page = await newPage();
    await signIn(page, server.url, DEV_KEY);
    await page.getByRole("heading", { name: /Security groups/ }).waitFor();
    assert.ok(page.url().includes("/org-demo02/groups"), page.url());
    assert.deepEqual(await page.getByLabel("Project").locator("option").allInnerTexts(), ["staging (org-demo02)"]);
    await assertAccessible(page, "sub-account groups list");
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/groups/secgroup-demo01`);
    await page
      .getByRole("alert")
      .filter({ hasText: /RetCode (292|299)/ })
      .waitFor();
    // The page stays usable: the navigation still works.
    await page.getByRole("link", { name: "Activity" }).click();
    await page.getByRole("heading", { name: "Activity" }).waitFor();
    await page.close();
  });

  it("the operator's admin pages", async () => {
    const page = await newPage();
    await signIn(page, server.url, OPERATOR_KEY);
    await page.getByRole("heading", { name: "Admin" }).waitFor();
    await page.getByRole("table", { name: "Companies" }).getByText("50001").waitFor();
    await assertAccessible(page, "admin companies");
    for (const [tab, expect] of [
      ["Projects", "org-demo02"],
      ["Keys", "demo-dev-public-key"],
      ["VPCs", "uvnet-demo02"],
      ["Resources", "uhost-demo04"],
    ] as const) {
      await page.getByRole("link", { name: tab, exact: true }).click();
      await page.getByRole("table", { name: tab }).getByText(expect).first().waitFor();
      await assertAccessible(page, `admin ${tab}`);
    }
    await page.getByRole("link", { name: "Projects", exact: true }).click();
    await page.getByLabel("Project id").fill("org-demo03");
    await page.getByLabel("Name").fill("qa");
    await page.getByRole("button", { name: "Create project" }).click();
    await page.getByRole("table", { name: "Projects" }).getByText("org-demo03").waitFor();
    await page.getByRole("link", { name: "Quotas" }).click();
    await page.getByLabel("SecGroupsPerCompany").fill("60");
    await page.getByRole("button", { name: "Save quotas" }).click();
    await page.getByRole("status").filter({ hasText: "Quotas of 50001 saved." }).waitFor();
    await assertAccessible(page, "admin quotas");
    await page.getByRole("link", { name: "Export / import / reset" }).click();
    await page.getByRole("button", { name: "Export the whole state" }).click();
    const exported = await page.getByLabel("Exported state").inputValue();
    assert.equal(
      (JSON.parse(exported) as { Companies: { Quotas: { SecGroupsPerCompany: number } }[] }).Companies[0]?.Quotas
        .SecGroupsPerCompany,
      60,
    );
    await page.getByLabel("State in the seed format (JSON)").fill(exported);
    await page.getByRole("button", { name: "Import" }).click();
    await page.getByRole("status").filter({ hasText: "State imported." }).waitFor();
    await assertAccessible(page, "admin state");
    await page.close();
  });

  it("tags and copies a group, and deletes one still bound: the refusal lists the resource, one click unbinds it", async () => {
    const page = await newPage();
    await signedIn(page, server.url, DEMO_KEY);
    const db = page.getByRole("row").filter({ hasText: "secgroup-demo03" });
    await db.waitFor();
    await page.getByRole("button", { name: "Edit db" }).click();
    const edit = page.getByRole("dialog", { name: "Rename or tag db" });
    await edit.getByLabel("Tag").fill("backend");
    await edit.getByRole("button", { name: "Save" }).click();
    await db.getByRole("cell", { name: "backend" }).waitFor();

    await page.getByRole("button", { name: "Copy db" }).click();
    const copy = page.getByRole("dialog", { name: "Copy db" });
    await copy.getByLabel("VPC").selectOption("uvnet-demo01");
    await copy.getByLabel("Name of the copy").fill("db-copy");
    await assertAccessible(page, "copy dialog");
    await copy.getByRole("button", { name: "Copy" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /Copied db to secgroup-/ })
      .waitFor();
    await page.getByRole("row").filter({ hasText: "db-copy" }).getByRole("cell", { name: "uvnet-demo01" }).waitFor();

    await page.getByRole("button", { name: "Delete db", exact: true }).click();
    const del = page.getByRole("dialog", { name: "Delete db" });
    await del.getByRole("button", { name: "Delete" }).click();
    await del.getByRole("alert").filter({ hasText: "58207" }).waitFor();
    await del.getByText("db-1 (uhost-demo04)").waitFor();
    await assertAccessible(page, "delete refused");
    await del.getByRole("button", { name: "Unbind all 1" }).click();
    const unbind = page.getByRole("dialog", { name: "Unbind secgroup-demo03" });
    await unbind.getByText("This is the last security group of db-1 (uhost-demo04).").waitFor();
    await unbind.getByRole("button", { name: "Unbind with Force" }).click();
    const again = page.getByRole("dialog", { name: "Delete db" });
    await again.getByText("Unbound from every resource: it can be deleted now.").waitFor();
    await again.getByRole("button", { name: "Delete" }).click();
    await page.getByRole("status").filter({ hasText: "Deleted db (secgroup-demo03)." }).waitFor();
    await page.getByRole("row").filter({ hasText: "secgroup-demo03" }).waitFor({ state: "detached" });
    await page.close();
  });

  it("a resource: groups reordered and bound in evaluation order, its decision lists, and a packet check", async () => {
    const page = await newPage();
    await signedIn(page, server.url, DEMO_KEY);
    await page.goto(`${server.url}/console/#/cn-bj2/org-demo01/resources/uhost-demo01`);
    await page.getByRole("heading", { name: "Security groups, in evaluation order" }).waitFor();
    await page.getByLabel("Bind another group").selectOption("secgroup-demo01");
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByRole("button", { name: "Move web up" }).click();
    const calls = countCalls(page, "UpdateSecGroupAssociation");
    await page.getByRole("button", { name: "Save order and groups" }).dblclick();
    await page.getByRole("status").filter({ hasText: "Saved: web, monitoring-from-cli." }).waitFor();
    assert.equal(calls(), 1);
    const bound = await server
      .client()
      .call<{ DataSet: { SecGroupInfo: { SecGroupId: string; Priority: number }[] }[] }>("DescribeResourceSecGroup", {
        ResourceId: ["uhost-demo01"],
      });
    assert.deepEqual(
      bound.DataSet[0]?.SecGroupInfo.map((g) => [g.SecGroupId, g.Priority]),
      [
        ["secgroup-demo01", 1],
        ["secgroup-demo02", 2],
      ],
    );
    await page
      .getByRole("table", { name: "Inbound (Ingress) decision list" })
      .getByText("secgroup-demo01 (1)")
      .first()
      .waitFor();
    await page.getByLabel("Port").fill("9100");
    await page.getByLabel("Source address").fill("10.9.0.3");
    await page.getByRole("button", { name: "Check" }).click();
    await page
      .getByRole("status")
      .filter({ hasText: /^Accept/ })
      .waitFor();
    await page.getByLabel("Source address").fill("not-an-ip");
    await page.getByRole("button", { name: "Check" }).click();
    await page.locator(".field-error").filter({ hasText: "PeerIp" }).waitFor();
    await assertAccessible(page, "resource page");
    await page.close();
  });

  it("a network failure is a clear message and the page stays usable", async () => {
    const page = await newPage();
    await signIn(page, server.url, DEMO_KEY);
    await page.getByRole("heading", { name: /Security groups/ }).waitFor();
    await page.route(`${server.url}/`, (route) => route.abort("connectionrefused"));
    await page.getByRole("link", { name: "Resources" }).click();
    await page.getByRole("alert").filter({ hasText: "Network problem" }).waitFor();
    await assertAccessible(page, "a network failure");
    await page.unroute(`${server.url}/`);
    await page.getByRole("alert").getByRole("button", { name: "Retry" }).click();
    await page.getByRole("table", { name: "Resources" }).getByText("uhost-demo04").waitFor();
    await page.close();
  });

  it("has no uncaught page error", () => {
    assert.deepEqual(errors, []);
  });
});
