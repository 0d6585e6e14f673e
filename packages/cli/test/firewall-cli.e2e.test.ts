// The UNet firewall family through the `sgplane` command: flags from the catalogue, JSON and table output, refusals.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { FIREWALL_WORLD, FW_KEY, NON_WEB_ID, WEB_ID } from "../../server/test/firewall-world.ts";
import { runToExit, type ServerProcess, startServer } from "../../server/test/harness.ts";

let server: ServerProcess;
let dir: string;
before(async () => {
  server = await startServer({ seed: FIREWALL_WORLD });
  dir = await mkdtemp(join(tmpdir(), "sgplane-fw-cli-"));
});
after(async () => {
  await server?.stop();
  await rm(dir, { recursive: true, force: true });
});

function sgplane(args: readonly string[]) {
  return runToExit(args, {
    SGPLANE_CONFIG: join(dir, "absent.json"),
    SGPLANE_BASE_URL: server.url,
    SGPLANE_PUBLIC_KEY: FW_KEY.publicKey,
    SGPLANE_PRIVATE_KEY: FW_KEY.privateKey,
    SGPLANE_REGION: "cn-bj2",
  });
}

async function okJson<T>(args: readonly string[]): Promise<T> {
  const r = await sgplane([...args, "--json"]);
  assert.equal(r.code, 0, `sgplane ${args.join(" ")}\n${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

type Firewalls = { DataSet: { FWId: string; Name: string; ResourceCount: number; Rule: { DstPort: string }[] }[] };

describe("CLI: the firewall family", () => {
  let fwId = "";

  it("create-firewall takes repeated --rule flags; describe-firewall --fw-id reads it back", async () => {
    const created = await okJson<{ FWId: string }>([
      "create-firewall",
      "--name",
      "cli-fw",
      "--rule",
      "TCP|22|0.0.0.0/0|ACCEPT|HIGH",
      "--rule",
      "UDP|1000-2000|10.1.0.0/16|DROP|LOW|batch",
    ]);
    fwId = created.FWId;
    const read = await okJson<Firewalls>(["describe-firewall", "--fw-id", fwId]);
    assert.deepEqual(
      read.DataSet.map((f) => [f.Name, f.Rule.map((r) => r.DstPort)]),
      [["cli-fw", ["22", "1000-2000"]]],
    );
  });

  it("grant-firewall and describe-firewall-resource; the table view lists every firewall", async () => {
    await okJson(["grant-firewall", "--fw-id", fwId, "--resource-type", "uhost", "--resource-id", "uhost-fw1"]);
    const listed = await okJson<{ ResourceSet: { ResourceID: string }[] }>([
      "describe-firewall-resource",
      "--fw-id",
      fwId,
    ]);
    assert.deepEqual(
      listed.ResourceSet.map((r) => r.ResourceID),
      ["uhost-fw1"],
    );
    const table = await sgplane(["describe-firewall"]);
    assert.equal(table.code, 0, table.stderr);
    for (const id of [WEB_ID, NON_WEB_ID, fwId]) assert.ok(table.stdout.includes(id), `table shows ${id}`);
  });

  it("a refusal exits 1 with its RetCode on stderr: a bad rule (230 Rule.N), a granted firewall (4361)", async () => {
    const bad = await sgplane([
      "update-firewall",
      "--fw-id",
      fwId,
      "--rule",
      "TCP|22|0.0.0.0/0|ACCEPT|HIGH",
      "--rule",
      "ICMP|8|0.0.0.0/0|ACCEPT|HIGH",
    ]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /RetCode 230: Params \[Rule\.1\] not available: ICMP has no ports/);
    const inUse = await sgplane(["delete-firewall", "--fw-id", fwId]);
    assert.equal(inUse.code, 1);
    assert.match(inUse.stderr, new RegExp(`RetCode 4361: Firewall \\[${fwId}\\] is in use by 1 resource\\(s\\)`));
  });

  it("update-firewall-attribute, then `call` with wire-style parameters as the Go SDK names them", async () => {
    await okJson(["update-firewall-attribute", "--fw-id", fwId, "--remark", "cli remark"]);
    const read = await okJson<Firewalls & { TotalCount: number }>(["call", "DescribeFirewall", "Limit=1", "Offset=2"]);
    assert.equal(read.TotalCount, 3);
    assert.deepEqual(
      read.DataSet.map((f) => f.FWId),
      [fwId],
    );
  });
});
