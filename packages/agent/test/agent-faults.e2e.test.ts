// The agent under faults: bad host files, an unreachable server, a ruleset nft refuses, a table changed by hand, the
// agent killed while changes go on, the server restarted, a feed position too old. Through all of it the host is
// never opened: the previous rules stay until new ones are applied whole.
import assert from "node:assert/strict";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SgplaneClient } from "@sgplane/sdk";
import { OPERATOR, type ServerProcess, startServer } from "../../server/test/harness.ts";
import { type AgentProcess, runAgentToExit, startAgent } from "./agent-process.ts";
import { enforcementSeed, KEY, PORTS, REGION, RESOURCES } from "./enforcement-world.ts";
import { createLab, type Lab, labSkipReason } from "./lab/index.ts";
import { drop, expectKernel, expectTraffic, pass, type TrafficWorld } from "./traffic.ts";

const skip = await labSkipReason();

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === "object" && address !== null ? address.port : 0));
    });
  });
}

async function until(
  what: string | (() => string),
  check: () => Promise<boolean>,
  timeoutMs = 15_000,
): Promise<number> {
  const started = Date.now();
  while (!(await check())) {
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out waiting for: ${typeof what === "string" ? what : what()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

describe("agent faults", { skip, timeout: 300_000 }, () => {
  let lab: Lab;
  let dir: string;
  let port: number;
  let server: ServerProcess;
  let agent: AgentProcess;
  let client: SgplaneClient;
  let operator: SgplaneClient;
  let world: TrafficWorld;
  let resources: Record<string, string>;
  let nftWrapper: string;
  const serverArgs = (extra: string[] = []) => [
    "--port",
    String(port),
    "--db",
    `sqlite:${join(dir, "sgplane.db")}`,
    ...extra,
  ];
  const listTable = async () => (await lab.hostExec(["nft", "list", "tables"])).stdout;
  const agentOptions = () => ({
    baseUrl: server.url,
    netns: lab.host.netns,
    resources,
    dir,
    stateFile: join(dir, "agent-state.json"),
    args: ["--drift-check", "0.5", "--nft", nftWrapper],
  });
  const settled = async () => agent.inStep((await operator.describeFeedEvents({})).Head);

  before(async () => {
    lab = await createLab({
      endpoints: [{ name: "web1" }, { name: "web2" }, { name: "db" }, { name: "ext" }],
      ports: [...PORTS, 6666],
    });
    dir = await mkdtemp(join(tmpdir(), "sgplane-agent-faults-"));
    // Stands in for a kernel that refuses a rule: nft itself, except that it refuses any ruleset opening port 6666,
    // both as `nft -f -` (exit 1) and in the agent's `nft -i` session (the script's line answered with an error and
    // not passed on, so nothing of it is applied; every other line goes to a real `nft -i`).
    nftWrapper = join(dir, "nft-refusing-6666");
    await writeFile(
      nftWrapper,
      `#!/bin/bash
refusal="Error: Could not process rule: Operation not supported"
if [ "$1" = "-f" ]; then
  script=$(cat)
  case "$script" in *"dport 6666"*) echo "$refusal" >&2; exit 1;; esac
  printf "%s\\n" "$script" | exec nft "$@"
fi
if [ "$1" = "-i" ]; then
  coproc NFT { exec nft -i 2>&1; }
  # A coprocess's descriptors are closed in subshells: hand nft's output on through a copy.
  exec {out}<&"\${NFT[0]}"
  cat <&"$out" &
  while IFS= read -r line; do
    case "$line" in *"dport 6666"*) echo "$refusal"; continue;; esac
    printf "%s\\n" "$line" >&"\${NFT[1]}"
  done
  exit 0
fi
exec nft "$@"
`,
    );
    await chmod(nftWrapper, 0o755);
    port = await freePort();
    server = await startServer({ seed: enforcementSeed(lab), args: serverArgs() });
    client = new SgplaneClient({ baseUrl: server.url, region: REGION, ...KEY });
    operator = new SgplaneClient({ baseUrl: server.url, ...OPERATOR });
    resources = Object.fromEntries(
      Object.entries(RESOURCES).map(([name, id]) => [id, lab.endpoint(name).hostInterface]),
    );
    world = { lab, client, resources: RESOURCES };
  });

  after(async () => {
    await agent?.stop();
    await server?.stop();
    await lab?.destroy();
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a host file naming unknown interfaces or resources, or an unreachable server, touching nothing", async () => {
    const hostFile = join(dir, "bad-host.json");
    const run = async (hosts: Record<string, string>, baseUrl = server.url) => {
      await writeFile(hostFile, JSON.stringify({ resources: hosts }));
      return runAgentToExit([
        "--host-file",
        hostFile,
        "--base-url",
        baseUrl,
        "--public-key",
        OPERATOR.publicKey,
        "--private-key",
        OPERATOR.privateKey,
        "--netns",
        lab.host.netns,
        "--listen",
        "127.0.0.1:0",
      ]);
    };
    const noInterface = await run({ ...resources, "uhost-web1": "nope0" });
    assert.equal(noInterface.code, 1);
    assert.match(noInterface.output, /interfaces this host does not have: nope0 \(uhost-web1\)/);
    const noResource = await run({ ...resources, "uhost-nobody": lab.endpoint("ext").hostInterface });
    assert.equal(noResource.code, 1);
    assert.match(noResource.output, /resources the server does not show this key: uhost-nobody/);
    const closed = await freePort();
    const noServer = await run(resources, `http://127.0.0.1:${closed}`);
    assert.equal(noServer.code, 1);
    assert.match(
      noServer.output,
      new RegExp(`cannot reach the server at http://127\\.0\\.0\\.1:${closed}: .*ECONNREFUSED`),
    );
    assert.doesNotMatch(await listTable(), /sgplane/);

    agent = await startAgent(agentOptions());
    await settled();
    const before = (await lab.hostExec(["nft", "list", "table", "inet", "sgplane"])).stdout;
    assert.equal((await run({ "uhost-web1": "nope0" })).code, 1);
    assert.equal((await lab.hostExec(["nft", "list", "table", "inet", "sgplane"])).stdout, before);
    await expectTraffic(world, [pass("ext", "web1", "tcp", 80), drop("ext", "web1", "tcp", 22, 6)]);
  });

  it("restores a table flushed, deleted or edited by hand within seconds", async () => {
    for (const edit of [
      ["nft", "flush", "table", "inet", "sgplane"],
      ["nft", "delete", "table", "inet", "sgplane"],
      ["nft", "insert", "rule", "inet", "sgplane", "r_uhost-db_in", "accept"],
    ]) {
      await lab.hostExec(edit);
      const ms = await until(`restored after ${edit.join(" ")}`, async () => {
        const listing = await lab.hostExec(["nft", "list", "table", "inet", "sgplane"]).catch(() => ({ stdout: "" }));
        return (
          /chain r_uhost-db_in \{\n(?!\t\taccept\n)/.test(listing.stdout) &&
          /jump g_secgroup-db_in/.test(listing.stdout)
        );
      });
      assert.ok(ms < 5000, `${edit.join(" ")}: restored after ${ms} ms`);
      await expectTraffic(world, [drop("ext", "db", "tcp", 5432), pass("ext", "web1", "tcp", 80)]);
    }
    const metrics = await (await fetch(`${agent.statusUrl}/metrics`)).text();
    assert.match(metrics, /^sgplane_agent_drift_restores_total [3-9]\d*$/m);
  });

  it("keeps the previous ruleset when nft refuses one, and says so", async () => {
    const created = await client.createSecGroupRule({
      SecGroupId: "secgroup-web",
      Rule: [
        {
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "6666",
          IPRange: "0.0.0.0/0",
          Priority: 50,
          RuleAction: "Accept",
        },
      ],
    });
    await until("the agent reports the refusal", async () => (await agent.status()).ok === false);
    const status = await agent.status();
    assert.match(status.lastError ?? "", /Operation not supported/);
    assert.match(agent.output(), /could not apply; the previous ruleset stays/);
    // The API has the rule; the host keeps the ruleset it had.
    await expectKernel(lab, [
      drop("ext", "web1", "tcp", 6666),
      pass("ext", "web1", "tcp", 80),
      drop("ext", "web1", "tcp", 22, 6),
    ]);
    const health = await fetch(`${agent.statusUrl}/healthz`);
    assert.equal(health.status, 503);
    // The refused rule goes away: the agent is in step again.
    const refused = created.RuleId[0];
    assert.ok(refused);
    await client.deleteSecGroupRule({ SecGroupId: "secgroup-web", RuleId: [refused] });
    await settled();
    assert.equal((await fetch(`${agent.statusUrl}/healthz`)).status, 200);
  });

  it("killed while changes go on: nothing opens meanwhile, and it resumes from its saved position", async () => {
    await settled();
    await agent.stop("SIGKILL");
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web1],
      PrioritySecGroup: [{ SecGroupId: "secgroup-deny", Priority: 2 }],
    });
    await client.associateSecGroup({
      ResourceId: [RESOURCES.db],
      PrioritySecGroup: [{ SecGroupId: "secgroup-web", Priority: 2 }],
    });
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-web"], ResourceId: [RESOURCES.web2], Force: true });
    // No agent: the host keeps the rules it had (web2 is still open on 80; nothing new is open).
    await expectKernel(lab, [
      pass("ext", "web2", "tcp", 80),
      drop("ext", "db", "tcp", 80),
      drop("ext", "web1", "tcp", 5432),
    ]);
    agent = await startAgent(agentOptions());
    assert.match(agent.output(), /resuming from the saved state/);
    await settled();
    await expectTraffic(world, [
      drop("ext", "web2", "tcp", 80),
      pass("ext", "db", "tcp", 80),
      pass("ext", "web1", "tcp", 80),
    ]);
  });

  it("rides out a server restart", async () => {
    await settled();
    await server.stop();
    await until("the agent notices", async () => /feed unreachable/.test(agent.output()));
    await expectKernel(lab, [drop("ext", "web2", "tcp", 80), pass("ext", "db", "tcp", 80)]);
    server = await startServer({ args: serverArgs() });
    client = new SgplaneClient({ baseUrl: server.url, region: REGION, ...KEY });
    operator = new SgplaneClient({ baseUrl: server.url, ...OPERATOR });
    world = { lab, client, resources: RESOURCES };
    await client.associateSecGroup({
      ResourceId: [RESOURCES.web2],
      PrioritySecGroup: [{ SecGroupId: "secgroup-web", Priority: 1 }],
    });
    await settled();
    await expectTraffic(world, [pass("ext", "web2", "tcp", 80)]);
  });

  it("takes a new snapshot when its position is older than the feed keeps", async () => {
    await settled();
    await agent.stop();
    await server.stop();
    server = await startServer({ args: serverArgs(["--feed-retention", "1s"]) });
    client = new SgplaneClient({ baseUrl: server.url, region: REGION, ...KEY });
    operator = new SgplaneClient({ baseUrl: server.url, ...OPERATOR });
    world = { lab, client, resources: RESOURCES };
    await client.disassociateSecGroup({ SecGroupId: ["secgroup-web"], ResourceId: [RESOURCES.db] });
    // Retention always keeps the newest event: one more change, so the unbinding's event is removed.
    await client.updateSecGroup({ SecGroupId: ["secgroup-web"], Name: "web renamed" });
    await new Promise((r) => setTimeout(r, 2500));
    agent = await startAgent(agentOptions());
    await until(
      () => `a new snapshot in:\n${agent.output()}`,
      async () => /"event":"cursor-expired"/.test(agent.output()) && /took a snapshot/.test(agent.output()),
    );
    await settled();
    await expectTraffic(world, [drop("ext", "db", "tcp", 80), pass("ext", "web2", "tcp", 80)]);
  });

  it("stops on SIGTERM with the rules in place", async () => {
    assert.equal(await agent.stop(), 0);
    assert.match(await listTable(), /table inet sgplane/);
    await expectTraffic(world, [
      drop("ext", "db", "tcp", 80),
      pass("ext", "web2", "tcp", 80),
      drop("ext", "web2", "tcp", 22, 6),
    ]);
  });
});
