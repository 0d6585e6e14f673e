// Flag parsing: names and kinds derived from the catalogue, value coercion, object lists, required fields, `call`.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { actionNames, catalogue } from "@sgplane/catalogue";
import { type Command, commands, findCommand, kebab, suggest } from "../src/command-model.ts";
import { completeInput, parseActionArgs, parseCallArgs } from "../src/parse-command.ts";
import { UsageError } from "../src/parse-values.ts";

function command(name: string): Command {
  const found = findCommand(name);
  assert.ok(found, name);
  return found;
}

const parse = (name: string, ...args: string[]) => parseActionArgs(command(name), args);

describe("command model", () => {
  it("kebab-cases wire names, acronyms included", () => {
    assert.equal(kebab("SecGroupId"), "sec-group-id");
    assert.equal(kebab("VPCId"), "vpc-id");
    assert.equal(kebab("VPCID"), "vpcid");
    assert.equal(kebab("IPRange"), "ip-range");
    assert.equal(kebab("DstVPCId"), "dst-vpc-id");
    assert.equal(kebab("AdminCreateVPC"), "admin-create-vpc");
    assert.equal(kebab("DisassociateSecGroup"), "disassociate-sec-group");
  });

  it("has one subcommand per catalogue action and one flag per input field", () => {
    assert.equal(commands.length, actionNames.length);
    for (const action of actionNames) {
      const c = command(kebab(action));
      assert.deepEqual(
        c.flags.map((f) => f.field),
        Object.keys(catalogue[action].input.properties),
      );
    }
  });

  it("suggests the nearest command for a typo", () => {
    assert.deepEqual(suggest("disasociate-sec-group"), ["disassociate-sec-group"]);
    assert.ok(suggest("describe").every((n) => n.startsWith("describe")));
  });
});

describe("flags", () => {
  it("list flags repeat; booleans are --flag / --no-flag", () => {
    const { input } = parse("disassociate-sec-group", "--sec-group-id", "a", "--sec-group-id", "b", "--force");
    assert.deepEqual(input, { SecGroupId: ["a", "b"], Force: true });
    assert.deepEqual(parse("disassociate-sec-group", "--resource-id", "r", "--no-force").input, {
      ResourceId: ["r"],
      Force: false,
    });
    assert.throws(() => parse("disassociate-sec-group", "--force", "--no-force"), UsageError);
  });

  it("object lists take Field=value pairs (typed by the item schema) or JSON, repeatable", () => {
    const { input } = parse(
      "associate-sec-group",
      "--resource-id",
      "uhost-1",
      "--priority-sec-group",
      "SecGroupId=secgroup-a,Priority=1",
      "--priority-sec-group",
      '{"SecGroupId":"secgroup-b","Priority":2}',
    );
    assert.deepEqual(input.PrioritySecGroup, [
      { SecGroupId: "secgroup-a", Priority: 1 },
      { SecGroupId: "secgroup-b", Priority: 2 },
    ]);
  });

  it("splits an object item only before a known field, so comma lists in values survive; enums canonicalised", () => {
    const { input } = parse(
      "create-sec-group-rule",
      "--sec-group-id",
      "secgroup-a",
      "--rule",
      "direction=ingress,ProtocolType=tcp,DstPort=80,443,IPRange=10.0.0.0/8,192.168.0.0/16,Priority=5,RuleAction=accept",
    );
    assert.deepEqual(input.Rule, [
      {
        Direction: "Ingress",
        ProtocolType: "TCP",
        DstPort: "80,443",
        IPRange: "10.0.0.0/8,192.168.0.0/16",
        Priority: 5,
        RuleAction: "Accept",
      },
    ]);
  });

  it("reports bad object items by flag and field", () => {
    const bad = (item: string, pattern: RegExp) =>
      assert.throws(
        () => parse("associate-sec-group", "--resource-id", "r", "--priority-sec-group", item),
        (e: unknown) => e instanceof UsageError && pattern.test(e.message) && e.command === "associate-sec-group",
      );
    bad("SecGroupId=a", /--priority-sec-group: missing Priority/);
    bad("SecGroupId=a,Priority=high", /Priority: expected an integer/);
    bad("SecGroupId=a,Prio=1", /not FIELD=VALUE/);
    bad("{not json", /not valid JSON/);
  });

  it("types scalars: integers, enums (case-insensitive), text", () => {
    assert.deepEqual(parse("describe-sec-group", "--limit", "5", "--offset", "0").input, { Limit: 5, Offset: 0 });
    assert.throws(() => parse("describe-sec-group", "--limit", "five"), /--limit: expected an integer/);
    const created = parse("create-sec-group", "--vpcid", "uvnet-a", "--name", "g", "--sec-group-recommendation", "WEB");
    assert.deepEqual(created.input, { VPCID: "uvnet-a", Name: "g", SecGroupRecommendation: "web" });
    assert.throws(() => parse("create-sec-group", "--sec-group-recommendation", "all"), /expected one of web, noweb/);
  });

  it("rejects unknown flags as usage errors", () => {
    assert.throws(
      () => parse("delete-sec-group", "--secgroup-id", "a"),
      (e: unknown) => e instanceof UsageError,
    );
  });

  it("reads global options", () => {
    const { globals } = parse(
      "describe-sec-group",
      "--json",
      "--timeout",
      "1.5",
      "--max-attempts",
      "1",
      "--encoding",
      "json",
      "--region",
      "cn-sh2",
      "--profile",
      "prod",
    );
    assert.deepEqual(globals, {
      connection: { region: "cn-sh2" },
      json: true,
      help: false,
      profile: "prod",
      timeoutMs: 1500,
      maxAttempts: 1,
      encoding: "json",
    });
    assert.throws(() => parse("describe-sec-group", "--timeout", "0"), /--timeout/);
    assert.throws(() => parse("describe-sec-group", "--max-attempts", "0"), /--max-attempts/);
    assert.throws(() => parse("describe-sec-group", "--encoding", "xml"), /--encoding/);
  });
});

describe("completeInput", () => {
  it("merges --json-file fields under the flags and checks required fields", () => {
    const c = command("associate-sec-group");
    const file = { ResourceId: ["from-file"], PrioritySecGroup: [{ SecGroupId: "g", Priority: 1 }] };
    const merged = completeInput(c, { ResourceId: ["from-flag"] }, file, {});
    assert.deepEqual(merged, { ResourceId: ["from-flag"], PrioritySecGroup: [{ SecGroupId: "g", Priority: 1 }] });
    assert.throws(
      () => completeInput(c, {}, undefined, {}),
      /missing required flags --resource-id, --priority-sec-group/,
    );
  });

  it("a field that shares its wire key with a connection setting is satisfied by it", () => {
    const c = command("admin-create-vpc");
    assert.equal(c.flags.find((f) => f.field === "Region")?.connection, "region");
    const input = { CompanyId: 1, VPCId: "uvnet-a", Name: "n" };
    assert.throws(() => completeInput(c, input, undefined, {}), /--region, --project-id/);
    assert.doesNotThrow(() => completeInput(c, input, undefined, { region: "cn-bj2", projectId: "org-a" }));
  });
});

describe("call", () => {
  it("takes Key=Value pairs; a repeated key becomes a list", () => {
    const parsed = parseCallArgs([
      "DescribeSecGroup",
      "SecGroupId=a",
      "SecGroupId=b",
      "Limit=5",
      "Remark=x=y",
      "--json",
    ]);
    assert.equal(parsed.action, "DescribeSecGroup");
    assert.deepEqual(parsed.params, { SecGroupId: ["a", "b"], Limit: "5", Remark: "x=y" });
    assert.equal(parsed.globals.json, true);
  });

  it("rejects a missing Action or a pair without =", () => {
    assert.throws(() => parseCallArgs([]), UsageError);
    assert.throws(() => parseCallArgs(["DescribeSecGroup", "Limit"]), /not Key=Value/);
  });
});
