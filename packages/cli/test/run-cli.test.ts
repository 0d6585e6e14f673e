// runCli in-process against a scripted local endpoint: output formats, exit codes, stderr, help for every command.
import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { type FakeGateway, startFakeGateway } from "../../sdk/test/fake-gateway.ts";
import { commands } from "../src/command-model.ts";
import { renderHuman } from "../src/output.ts";
import { type CliIo, runCli } from "../src/run.ts";

let gateway: FakeGateway;
let dir: string;
before(async () => {
  gateway = await startFakeGateway();
  dir = await mkdtemp(join(tmpdir(), "sgplane-run-"));
});
after(async () => {
  await gateway.close();
  await rm(dir, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string> = {}, stdin = "") {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    env: {
      SGPLANE_CONFIG: join(dir, "config.json"),
      SGPLANE_BASE_URL: gateway.url,
      SGPLANE_PUBLIC_KEY: "pub",
      SGPLANE_PRIVATE_KEY: "priv",
      SGPLANE_REGION: "cn-bj2",
      ...env,
    },
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    readStdin: async () => stdin,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

const group = (id: string, name: string, rules: object[] = []) => ({
  SecGroupId: id,
  Name: name,
  VPCId: "uvnet-a",
  Rule: rules,
});
const rule = { RuleId: "r-1", Direction: "Ingress", IPRange: "0.0.0.0/0", Priority: 1, DstPort: "22", Remark: "" };

describe("output", () => {
  it("prints records as an aligned table, long nested lists as sub-tables, scalars as Key: value", () => {
    const text = renderHuman("DescribeSecGroup", {
      DataSet: [group("secgroup-a", "web", [rule]), group("secgroup-bb", "db")],
      TotalCount: 2,
    });
    assert.equal(
      text,
      [
        "SecGroupId   Name  VPCId    Rule",
        "secgroup-a   web   uvnet-a  1",
        "secgroup-bb  db    uvnet-a",
        "",
        "Rule of secgroup-a:",
        "  RuleId  Direction  IPRange    Priority  DstPort",
        "  r-1     Ingress    0.0.0.0/0  1         22",
        "",
        "TotalCount: 2",
        "",
      ].join("\n"),
    );
  });

  it("summarises short nested records in one cell and flattens nested objects", () => {
    const text = renderHuman("DescribeResourceSecGroup", {
      DataSet: [
        { ResourceId: "uhost-1", SecGroupInfo: [{ SecGroupId: "sg-a", Priority: 1 }], ExInfo: { IP: ["10.0.0.1"] } },
      ],
    });
    assert.match(text, /^ResourceId\s+SecGroupInfo\s+ExInfo\.IP\nuhost-1\s+sg-a:1\s+10\.0\.0\.1\n$/);
    assert.equal(renderHuman("DeleteSecGroup", {}), "DeleteSecGroup: OK\n");
  });
});

describe("runCli", () => {
  it("calls the action and prints a table, or JSON with --json", async () => {
    gateway.script({ retCode: 0, fields: { DataSet: [group("secgroup-a", "web")], TotalCount: 1 } });
    const human = await run(["describe-sec-group", "--sec-group-id", "secgroup-a"]);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /secgroup-a\s+web/);
    assert.equal(gateway.received[0]?.params["SecGroupId.0"], "secgroup-a");
    assert.equal(gateway.received[0]?.params.Region, "cn-bj2");
    const json = await run(["describe-sec-group", "--json"]);
    assert.deepEqual(JSON.parse(json.stdout), { DataSet: [group("secgroup-a", "web")], TotalCount: 1 });
  });

  it("exits 1 with RetCode and Message on stderr when the API refuses", async () => {
    gateway.script({ retCode: 58208, message: "Resource [uhost-1] must keep at least one secgroup" });
    const r = await run(["disassociate-sec-group", "--resource-id", "uhost-1"]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      /DisassociateSecGroup failed: RetCode 58208: Resource \[uhost-1\] must keep at least one secgroup/,
    );
    const json = await run(["disassociate-sec-group", "--resource-id", "uhost-1", "--json"]);
    assert.deepEqual(JSON.parse(json.stderr), {
      Action: "DisassociateSecGroup",
      RetCode: 58208,
      Message: "Resource [uhost-1] must keep at least one secgroup",
      RequestId: "req-2",
    });
  });

  it("exits 3 when no usable answer arrives, after retrying what is safe", async () => {
    gateway.script({ status: 503 });
    const r = await run(["delete-sec-group", "--sec-group-id", "a", "--max-attempts", "2"]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /HTTP 503 \(after 2 attempts\)/);
    assert.equal(gateway.received.length, 2);
  });

  it("exits 2 on usage mistakes, pointing at the right help", async () => {
    const missing = await run(["associate-sec-group", "--resource-id", "uhost-1"]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /missing required flag --priority-sec-group\nSee: sgplane associate-sec-group --help/);
    const typo = await run(["disasociate-sec-group"]);
    assert.equal(typo.code, 2);
    assert.match(typo.stderr, /Did you mean disassociate-sec-group\?/);
    const noKey = await run(["describe-sec-group"], { SGPLANE_PRIVATE_KEY: "" });
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /no private key/);
  });

  it("--json-file supplies the input (from stdin with -), flags override it", async () => {
    const path = join(dir, "input.json");
    await writeFile(
      path,
      JSON.stringify({ ResourceId: ["uhost-1"], PrioritySecGroup: [{ SecGroupId: "g", Priority: 2 }] }),
    );
    gateway.script({ retCode: 0 });
    assert.equal((await run(["associate-sec-group", "--json-file", path, "--resource-id", "uhost-9"])).code, 0);
    assert.equal(gateway.received[0]?.params["ResourceId.0"], "uhost-9");
    assert.equal(gateway.received[0]?.params["PrioritySecGroup.0.Priority"], "2");
    const stdin = JSON.stringify({ SecGroupId: ["secgroup-z"] });
    assert.equal((await run(["delete-sec-group", "--json-file", "-"], {}, stdin)).code, 0);
    assert.equal(gateway.received.at(-1)?.params["SecGroupId.0"], "secgroup-z");
  });

  it("call sends wire-style parameters to any action", async () => {
    gateway.script({ retCode: 0, fields: { Anything: 1 } });
    const r = await run(["call", "DescribeUHostInstance", "UHostIds.0=uhost-1", "Limit=5", "--json"]);
    assert.equal(r.code, 0);
    assert.deepEqual(JSON.parse(r.stdout), { Anything: 1 });
    assert.equal(gateway.received[0]?.params.Action, "DescribeUHostInstance");
    assert.equal(gateway.received[0]?.params["UHostIds.0"], "uhost-1");
  });

  it("--encoding json / json-nested send JSON bodies (flat keys / native lists)", async () => {
    gateway.script({ retCode: 0 });
    await run(["disassociate-sec-group", "--sec-group-id", "a", "--force", "--encoding", "json"]);
    assert.equal(gateway.received[0]?.contentType, "application/json");
    assert.equal(gateway.received[0]?.params.Force, true);
    gateway.script({ retCode: 0 });
    await run(["disassociate-sec-group", "--sec-group-id", "a", "--sec-group-id", "b", "--encoding", "json-nested"]);
    assert.deepEqual(gateway.received[0]?.params.SecGroupId, ["a", "b"]);
  });

  it("configure stores a profile that later calls use, and shows where settings come from", async () => {
    const env = { SGPLANE_PUBLIC_KEY: "", SGPLANE_PRIVATE_KEY: "" };
    const saved = await run(
      ["configure", "--profile", "ci", "--public-key", "ci-pub", "--private-key", "ci-secret"],
      env,
    );
    assert.equal(saved.code, 0);
    gateway.script({ retCode: 0, fields: { DataSet: [], TotalCount: 0 } });
    assert.equal((await run(["describe-sec-group", "--profile", "ci"], env)).code, 0);
    assert.equal(gateway.received[0]?.params.PublicKey, "ci-pub");
    const shown = await run(["configure", "--profile", "ci"], env);
    assert.match(shown.stdout, /public-key\s+ci-pub\s+\(profile\)/);
    assert.match(shown.stdout, /private-key\s+\*\*\*\*cret\s+\(profile\)/);
    assert.doesNotMatch(shown.stdout, /ci-secret/);
  });

  it("--help on every command shows each field's flag, meaning and limits", async () => {
    for (const command of commands) {
      const r = await run([command.name, "--help"]);
      assert.equal(r.code, 0, command.name);
      assert.match(r.stdout, new RegExp(`^Usage: sgplane ${command.name}`));
      assert.ok(r.stdout.includes(command.spec.summary.split(" ").slice(0, 4).join(" ")), command.name);
      for (const flag of command.flags) {
        assert.ok(r.stdout.includes(`--${flag.flag}`), `${command.name} --${flag.flag}`);
        const description = flag.schema.description;
        if (description)
          assert.ok(r.stdout.replace(/\s+/g, " ").includes(description), `${command.name}: ${description}`);
      }
    }
    const top = await run(["--help"]);
    assert.equal(top.code, 0);
    for (const command of commands) assert.ok(top.stdout.includes(command.name));
    assert.match((await run(["associate-sec-group", "--help"])).stdout, /Priority \(int, required, 1–5\)/);
  });
});
