// End to end through the `sgplane` command as a process: every catalogue action against the real seeded server.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { DEMO, EXAMPLE_SEED, OPERATOR, runToExit, type ServerProcess, startServer } from "../../server/test/harness.ts";

let server: ServerProcess;
let dir: string;
before(async () => {
  server = await startServer({ seed: EXAMPLE_SEED });
  dir = await mkdtemp(join(tmpdir(), "sgplane-cli-e2e-"));
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `sgplane ARGS` (packages/server/src/main.ts, which hands every non-serve command to the CLI). */
function sgplane(args: readonly string[], key = DEMO, env: Record<string, string> = {}): Promise<Run> {
  return runToExit(args, {
    SGPLANE_CONFIG: join(dir, "absent.json"),
    SGPLANE_BASE_URL: server.url,
    SGPLANE_PUBLIC_KEY: key.publicKey,
    SGPLANE_PRIVATE_KEY: key.privateKey,
    SGPLANE_REGION: "cn-bj2",
    ...env,
  });
}

async function ok(args: readonly string[], key = DEMO): Promise<string> {
  const r = await sgplane(args, key);
  assert.equal(r.code, 0, `sgplane ${args.join(" ")}\n${r.stderr}`);
  assert.equal(r.stderr, "");
  return r.stdout;
}

async function okJson<T>(args: readonly string[], key = DEMO): Promise<T> {
  return JSON.parse(await ok([...args, "--json"], key)) as T;
}

async function refused(args: readonly string[], retCode: number, key = DEMO): Promise<Run> {
  const r = await sgplane(args, key);
  assert.equal(r.code, 1, `sgplane ${args.join(" ")} should fail: ${r.stdout}${r.stderr}`);
  assert.match(r.stderr, new RegExp(`RetCode ${retCode}: \\S`));
  assert.equal(r.stdout, "");
  return r;
}

type Bindings = { DataSet: { ResourceId: string; SecGroupInfo: { SecGroupId: string; Priority: number }[] }[] };

async function bindings(...resources: string[]): Promise<string[]> {
  const args = resources.flatMap((r) => ["--resource-id", r]);
  const res = await okJson<Bindings>(["describe-resource-sec-group", ...args]);
  return res.DataSet.flatMap((r) => r.SecGroupInfo.map((g) => `${r.ResourceId}/${g.SecGroupId}@${g.Priority}`));
}

describe("sgplane CLI against the real server: tenant commands", { timeout: 180_000 }, () => {
  let group = "";
  let rule = "";

  it("reads: describe commands as tables and JSON, and the generic call", async () => {
    const [table, byResource, byGroup, call] = await Promise.all([
      ok(["describe-sec-group", "--vpc-id", "uvnet-demo01"]),
      okJson<Bindings>(["describe-resource-sec-group", "--resource-id", "uhost-demo01"]),
      okJson<{ TotalCount: number }>(["describe-sec-group-resource", "--sec-group-id", "secgroup-demo01"]),
      okJson<{ DataSet: { Name: string }[] }>(["call", "DescribeSecGroup", "SecGroupId=secgroup-demo02"]),
    ]);
    assert.match(table, /^SecGroupId\s+Name\s+VPCId/);
    assert.match(table, /secgroup-demo01\s+web\s+uvnet-demo01/);
    assert.match(table, /Rule of secgroup-demo01:\n\s+RuleId/);
    assert.match(table, /TotalCount: 2\n$/);
    assert.deepEqual(
      byResource.DataSet[0]?.SecGroupInfo.map((g) => g.SecGroupId),
      ["secgroup-demo01", "secgroup-demo02"],
    );
    assert.equal(byGroup.TotalCount, 2);
    assert.equal(call.DataSet[0]?.Name, "monitoring");
  });

  it("errors: unknown action 161, unknown group 8039, usage mistakes exit 2", async () => {
    const [unknownAction, unknownGroup, usage] = await Promise.all([
      sgplane(["call", "NoSuchAction"]),
      sgplane(["delete-sec-group", "--sec-group-id", "secgroup-nope"]),
      sgplane(["associate-sec-group", "--resource-id", "uhost-demo01"]),
    ]);
    assert.equal(unknownAction.code, 1);
    assert.match(unknownAction.stderr, /RetCode 161: Action \[NoSuchAction\] not found/);
    assert.equal(unknownGroup.code, 1);
    assert.match(unknownGroup.stderr, /RetCode 8039: SecGroup \[secgroup-nope\] not exist/);
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /missing required flag --priority-sec-group/);
  });

  it("create-sec-group, update-sec-group", async () => {
    group = (
      await okJson<{ SecGroupId: string }>(["create-sec-group", "--vpcid", "uvnet-demo01", "--name", "cli-group"])
    ).SecGroupId;
    assert.match(group, /^secgroup-/);
    assert.equal(
      await ok(["update-sec-group", "--sec-group-id", group, "--name", "cli-renamed"]),
      "UpdateSecGroup: OK\n",
    );
  });

  it("create-sec-group-rule, update-sec-group-rule, delete-sec-group-rule", async () => {
    const created = await okJson<{ RuleId: string[] }>([
      "create-sec-group-rule",
      "--sec-group-id",
      group,
      "--rule",
      "Direction=Ingress,ProtocolType=TCP,DstPort=80,443,IPRange=10.0.0.0/8,Priority=5,RuleAction=Accept",
    ]);
    rule = created.RuleId[0] ?? "";
    await ok([
      "update-sec-group-rule",
      "--sec-group-id",
      group,
      "--rule",
      `RuleId=${rule},Direction=Ingress,ProtocolType=UDP,DstPort=53,IPRange=10.0.0.0/8,Priority=5,RuleAction=Drop`,
    ]);
    type Groups = { DataSet: { Name: string; Rule: { DstPort: string; RuleAction: string }[] }[] };
    const described = await okJson<Groups>(["describe-sec-group", "--sec-group-id", group]);
    assert.equal(described.DataSet[0]?.Name, "cli-renamed");
    assert.deepEqual(
      described.DataSet[0]?.Rule.map((r) => `${r.DstPort}/${r.RuleAction}`),
      ["53/Drop"],
    );
    await ok(["delete-sec-group-rule", "--sec-group-id", group, "--rule-id", rule]);
  });

  it("associate-sec-group, associate-sec-group-dynamic, update-sec-group-association, disassociate-sec-group", async () => {
    await ok([
      "associate-sec-group",
      "--resource-id",
      "uhost-demo02",
      "--priority-sec-group",
      `SecGroupId=${group},Priority=3`,
    ]);
    await ok(["associate-sec-group-dynamic", "--resource-id", "uhost-demo01", "--sec-group-id", group]);
    assert.equal((await bindings("uhost-demo01"))[0], `uhost-demo01/${group}@1`);
    await ok([
      "update-sec-group-association",
      "--resource-id",
      "uhost-demo02",
      "--old-sec-group-id",
      group,
      "--new-priority-sec-group",
      "SecGroupId=secgroup-demo02,Priority=4",
    ]);
    await ok(["disassociate-sec-group", "--sec-group-id", group, "--resource-id", "uhost-demo01"]);
    const now = await bindings("uhost-demo01", "uhost-demo02");
    assert.ok(!now.some((b) => b.includes(group)), now.join(" "));
    assert.ok(now.includes("uhost-demo02/secgroup-demo02@4"));
  });

  it("the last group of a resource: exit 1, RetCode and Message on stderr (JSON with --json), nothing changed", async () => {
    const human = await refused(["disassociate-sec-group", "--resource-id", "uhost-demo04"], 58208);
    assert.match(
      human.stderr,
      /DisassociateSecGroup failed: RetCode 58208: Resource \[uhost-demo04\] must keep at least one/,
    );
    const json = await sgplane(["disassociate-sec-group", "--resource-id", "uhost-demo04", "--json"]);
    assert.equal(json.code, 1);
    const error = JSON.parse(json.stderr) as { RetCode: number; Message: string; RequestId: string };
    assert.equal(error.RetCode, 58208);
    assert.match(error.Message, /uhost-demo04/);
    assert.ok(error.RequestId);
    assert.deepEqual(await bindings("uhost-demo04"), ["uhost-demo04/secgroup-demo03@1"]);
  });

  it("--dry-run: the refusal or the would-be Changes, nothing changed; --client-token: a repeat answers the same id", async () => {
    await refused(["disassociate-sec-group", "--resource-id", "uhost-demo04", "--dry-run"], 58208);
    const dry = await okJson<{ DryRun: boolean; Changes: { Type: string; ObjectId: string }[] }>([
      "disassociate-sec-group",
      "--resource-id",
      "uhost-demo04",
      "--force",
      "--dry-run",
    ]);
    assert.equal(dry.DryRun, true);
    assert.deepEqual(
      dry.Changes.map((c) => `${c.Type} ${c.ObjectId}`),
      ["BindingRemoved uhost-demo04/secgroup-demo03"],
    );
    assert.deepEqual(await bindings("uhost-demo04"), ["uhost-demo04/secgroup-demo03@1"]);
    const create = ["create-sec-group", "--vpcid", "uvnet-demo01", "--name", "cli-token", "--client-token", "cli-t1"];
    const first = await okJson<{ SecGroupId: string }>(create);
    const again = await okJson<{ SecGroupId: string }>(create);
    assert.equal(again.SecGroupId, first.SecGroupId);
    await refused(
      ["create-sec-group", "--vpcid", "uvnet-demo01", "--name", "other", "--client-token", "cli-t1"],
      58304,
    );
  });

  it("switch-to-sec-group, copy-sec-group, delete-sec-group", async () => {
    const project = ["--project-id", "org-demo01"];
    await ok([
      "switch-to-sec-group",
      "--resource-id",
      "uhost-demo03",
      "--is-remove-firewall",
      "--priority-sec-group",
      "secgroup-demo02",
      ...project,
    ]);
    assert.deepEqual(await bindings("uhost-demo03"), ["uhost-demo03/secgroup-demo02@1"]);
    const copy = await okJson<{ SecGroupId: string; RuleID: string[] }>([
      "copy-sec-group",
      "--sec-group-id",
      "secgroup-demo01",
      "--dst-region",
      "cn-bj2",
      "--dst-project-id",
      "org-demo01",
      "--dst-vpc-id",
      "uvnet-demo02",
      ...project,
    ]);
    assert.equal(copy.RuleID.length, 3);
    await ok(["delete-sec-group", "--sec-group-id", copy.SecGroupId, "--sec-group-id", group]);
    await refused(["delete-sec-group", "--sec-group-id", group], 8039);
  });
});

describe("sgplane CLI against the real server: operator commands", { timeout: 180_000 }, () => {
  const company = ["--company-id", "88001"];
  const tenant = { publicKey: "cli-root-pub", privateKey: "cli-root-priv" };

  it("a company key gets 299 from an admin command", async () => {
    await refused(["admin-export-state"], 299);
  });

  it("admin-create-company, -project, -key, -vpc, admin-register-resource, admin-update-resource", async () => {
    await ok(["admin-create-company", ...company, "--name", "cli-co", "--project-id", "org-cli01"], OPERATOR);
    await ok(["admin-create-project", ...company, "--project-id", "org-cli02", "--name", "staging"], OPERATOR);
    const key = `PublicKey=${tenant.publicKey},PrivateKey=${tenant.privateKey}`;
    const created = await okJson<{ Keys: { PublicKey: string }[] }>(
      ["admin-create-key", ...company, "--user-name", "root", "--keys", key],
      OPERATOR,
    );
    assert.equal(created.Keys[0]?.PublicKey, tenant.publicKey);
    // --region and --project-id are both the connection settings and these actions' fields: one wire key each.
    const where = ["--region", "cn-bj2", "--project-id", "org-cli01"];
    await ok(["admin-create-vpc", ...company, "--vpc-id", "uvnet-cli01", ...where, "--name", "main"], OPERATOR);
    await ok(
      [
        "admin-register-resource",
        ...company,
        "--resource-id",
        "uhost-cli01",
        "--resource-type",
        "uhost",
        ...where,
        "--vpc-id",
        "uvnet-cli01",
        "--name",
        "h1",
        "--security-mode",
        "secgroup",
        "--eip",
        "1.2.3.4",
      ],
      OPERATOR,
    );
    await ok(["admin-update-resource", "--resource-id", "uhost-cli01", "--name", "h2"], OPERATOR);
    const described = await okJson<{ DataSet: { ResourceName: string; PermitAssociate: boolean }[] }>(
      ["describe-resource-sec-group", "--resource-id", "uhost-cli01"],
      tenant,
    );
    assert.deepEqual(described.DataSet[0], { ...described.DataSet[0], ResourceName: "h2", PermitAssociate: true });
  });

  it("admin-set-quota changes the limit the tenant hits", async () => {
    await ok(["admin-set-quota", ...company, "--sec-groups-per-company", "1"], OPERATOR);
    await ok(["create-sec-group", "--vpcid", "uvnet-cli01", "--name", "one"], tenant);
    await refused(["create-sec-group", "--vpcid", "uvnet-cli01", "--name", "two"], 58201, tenant);
  });

  it("admin-deregister-resource, admin-export-state, admin-import-state (--json-file and --state)", async () => {
    await ok(["admin-deregister-resource", "--resource-id", "uhost-cli01"], OPERATOR);
    type State = { State: { Companies: { Name: string; Resources?: unknown[] }[] } };
    const exported = await okJson<State>(["admin-export-state", ...company], OPERATOR);
    assert.deepEqual(exported.State.Companies[0]?.Resources ?? [], []);
    const file = join(dir, "state.json");
    const [acme] = exported.State.Companies;
    await writeFile(file, JSON.stringify({ State: { Companies: [{ ...acme, Name: "from-file" }] } }));
    await ok(["admin-import-state", "--json-file", file], OPERATOR);
    assert.equal(
      (await okJson<State>(["admin-export-state", ...company], OPERATOR)).State.Companies[0]?.Name,
      "from-file",
    );
    const inline = JSON.stringify({ Companies: [{ ...acme, Name: "from-flag" }] });
    await ok(["admin-import-state", "--state", inline], OPERATOR);
    assert.equal(
      (await okJson<State>(["admin-export-state", ...company], OPERATOR)).State.Companies[0]?.Name,
      "from-flag",
    );
  });

  it("admin-reset empties the world", async () => {
    assert.equal(await ok(["admin-reset"], OPERATOR), "AdminReset: OK\n");
    const state = await okJson<{ State: { Companies?: unknown[] } }>(["admin-export-state"], OPERATOR);
    assert.deepEqual(state.State.Companies ?? [], []);
  });
});

describe("sgplane bin", () => {
  it("--help lists serve and every command; serve --help still reaches the server", async () => {
    const [top, serve] = await Promise.all([sgplane(["--help"]), sgplane(["serve", "--help"])]);
    assert.equal(top.code, 0);
    assert.match(top.stdout, /serve\s+run the API server/);
    assert.match(top.stdout, /disassociate-sec-group/);
    assert.equal(serve.code, 0);
    assert.match(serve.stdout, /Usage: sgplane serve/);
  });
});
