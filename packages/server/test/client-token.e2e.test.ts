// ClientToken over real HTTP (issue 18): a repeat answers the first create's answer and changes nothing; other
// parameters are refused (58304 naming ClientToken); tokens are per company, expire, survive a restart, hold for
// two servers racing on PostgreSQL, and turn an SDK retry after a lost answer into one create.
import assert from "node:assert/strict";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import type { ActionInput } from "@sgplane/catalogue";
import { RetCodeError, SgplaneClient } from "@sgplane/sdk";
import { DEMO, EXAMPLE_SEED, OPERATOR, type ServerProcess, startPostgresCluster, startServer } from "./harness.ts";

const VPC = "uvnet-demo01";
const OTHER = { publicKey: "ct-other-pub", privateKey: "ct-other-priv" };

function client(url: string, key = DEMO, extra: Partial<ConstructorParameters<typeof SgplaneClient>[0]> = {}) {
  return new SgplaneClient({ baseUrl: `${url}/`, region: "cn-bj2", ...key, retry: { maxAttempts: 1 }, ...extra });
}

async function refusal(p: Promise<unknown>): Promise<RetCodeError> {
  try {
    await p;
  } catch (error) {
    assert.ok(error instanceof RetCodeError, String(error));
    return error;
  }
  assert.fail("expected a refusal");
}

async function groupCount(c: SgplaneClient): Promise<number> {
  return (await c.describeSecGroup({ Limit: 1000 })).TotalCount;
}

async function feedHead(c: SgplaneClient): Promise<number> {
  return (await c.describeFeedEvents({})).Head;
}

describe("ClientToken: one server (SQLite file)", () => {
  let dir: string;
  let server: ServerProcess;
  const db = () => `sqlite:${join(dir, "state.db")}`;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-ct-"));
    server = await startServer({ seed: EXAMPLE_SEED, db: db() });
    const op = client(server.url, OPERATOR);
    await op.adminCreateCompany({ CompanyId: 50900, Name: "other", ProjectId: "org-ct-other" });
    await op.adminCreateKey({
      CompanyId: 50900,
      UserName: "root",
      Keys: [{ PublicKey: OTHER.publicKey, PrivateKey: OTHER.privateKey }],
    });
    await op.adminCreateVPC({
      CompanyId: 50900,
      ProjectId: "org-ct-other",
      Region: "cn-bj2",
      VPCId: "uvnet-ct-other",
      Name: "v",
    });
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("a repeat answers the first call's ids and changes nothing: no group, no rule, no feed event", async () => {
    const c = client(server.url);
    const first = await c.createSecGroup({
      VPCID: VPC,
      Name: "ct-web",
      SecGroupRecommendation: "web",
      ClientToken: "ct-1",
    });
    const groups = await groupCount(c);
    const head = await feedHead(c);
    for (let i = 0; i < 3; i++) {
      const again = await c.createSecGroup({
        VPCID: VPC,
        Name: "ct-web",
        SecGroupRecommendation: "web",
        ClientToken: "ct-1",
      });
      assert.equal(again.SecGroupId, first.SecGroupId);
    }
    assert.equal(await groupCount(c), groups);
    assert.equal(await feedHead(c), head);
    const ruleRequest: ActionInput<"CreateSecGroupRule"> = {
      SecGroupId: first.SecGroupId,
      Rule: [
        {
          ProtocolType: "TCP",
          DstPort: "5432",
          IPRange: "10.0.0.0/8",
          RuleAction: "Accept",
          Priority: 40,
          Direction: "Ingress",
        },
      ],
      ClientToken: "ct-rule-1",
    };
    const rules = await c.createSecGroupRule(ruleRequest);
    const replay = await c.createSecGroupRule(ruleRequest);
    assert.deepEqual(replay.RuleId, rules.RuleId);
    const [group] = (await c.describeSecGroup({ SecGroupId: [first.SecGroupId] })).DataSet;
    assert.equal(group?.Rule.filter((r) => r.DstPort === "5432").length, 1, "the rule exists once");
  });

  it("the same token with other parameters is refused with 58304 naming ClientToken, and creates nothing", async () => {
    const c = client(server.url);
    await c.createSecGroup({ VPCID: VPC, Name: "ct-a", ClientToken: "ct-2" });
    const groups = await groupCount(c);
    const e = await refusal(c.createSecGroup({ VPCID: VPC, Name: "ct-b", ClientToken: "ct-2" }));
    assert.equal(e.retCode, 58304);
    assert.match(
      e.apiMessage,
      /^Params \[ClientToken\] not available: token ct-2 was used for a different request \(CreateSecGroup/,
    );
    // Another action with the token is another request too.
    const other = await refusal(
      client(server.url, DEMO, { projectId: "org-demo01" }).copySecGroup(
        {
          SecGroupId: "secgroup-demo01",
          DstRegion: "cn-bj2",
          DstProjectId: "org-demo01",
          DstVPCId: VPC,
          ClientToken: "ct-2",
        },
        {},
      ),
    );
    assert.equal(other.retCode, 58304);
    assert.match(other.apiMessage, /\(CreateSecGroup, other parameters\)/);
    assert.equal(await groupCount(c), groups);
  });

  it("a repeat answers the first create even where the state it made now refuses a create (the quota it filled)", async () => {
    const op = client(server.url, OPERATOR);
    await op.adminCreateCompany({ CompanyId: 50901, Name: "full", ProjectId: "org-ct-full" });
    await op.adminCreateKey({
      CompanyId: 50901,
      UserName: "root",
      Keys: [{ PublicKey: "ct-full-pub", PrivateKey: "ct-full-priv" }],
    });
    await op.adminCreateVPC({
      CompanyId: 50901,
      ProjectId: "org-ct-full",
      Region: "cn-bj2",
      VPCId: "uvnet-ct-full",
      Name: "v",
    });
    await op.adminSetQuota({ CompanyId: 50901, SecGroupsPerCompany: 1 });
    const c = client(
      server.url,
      { publicKey: "ct-full-pub", privateKey: "ct-full-priv" },
      { projectId: "org-ct-full" },
    );
    const first = await c.createSecGroup({ VPCID: "uvnet-ct-full", Name: "only", ClientToken: "ct-full" });
    const again = await c.createSecGroup({ VPCID: "uvnet-ct-full", Name: "only", ClientToken: "ct-full" });
    assert.equal(again.SecGroupId, first.SecGroupId);
    // Without the token the quota speaks; with it and other parameters, the token does.
    assert.equal(
      (await refusal(c.createSecGroup({ VPCID: "uvnet-ct-full", Name: "only" }, { clientToken: false }))).retCode,
      58201,
    );
    assert.equal(
      (await refusal(c.createSecGroup({ VPCID: "uvnet-ct-full", Name: "other", ClientToken: "ct-full" }))).retCode,
      58304,
    );
    assert.equal(await groupCount(c), 1);
  });

  it("tokens are the company's: another company's same token is its own create", async () => {
    const mine = await client(server.url).createSecGroup({ VPCID: VPC, Name: "ct-co", ClientToken: "ct-shared" });
    const theirs = await client(server.url, OTHER).createSecGroup({
      VPCID: "uvnet-ct-other",
      Name: "ct-co",
      ClientToken: "ct-shared",
    });
    assert.notEqual(theirs.SecGroupId, mine.SecGroupId);
    // A sub-account shares its company's tokens: the same token from another project is another request.
    const dev = client(
      server.url,
      { publicKey: "demo-dev-public-key", privateKey: "demo-dev-private-key" },
      { projectId: "org-demo02" },
    );
    const viaDev = await refusal(dev.createSecGroup({ VPCID: VPC, Name: "ct-co", ClientToken: "ct-shared" }));
    assert.equal(viaDev.retCode, 58304);
  });

  it("a malformed token is refused with 230 naming ClientToken, before anything runs", async () => {
    const c = client(server.url);
    for (const bad of ["has space", "x".repeat(65), "tab\there"]) {
      const e = await refusal(c.createSecGroup({ VPCID: VPC, Name: "ct-bad", ClientToken: bad }));
      assert.equal(e.retCode, 230, bad);
      assert.match(e.apiMessage, /ClientToken/);
    }
  });

  it("a dry run with a used token says what the repeat would answer and stores nothing", async () => {
    const c = client(server.url);
    const first = await c.createSecGroup({ VPCID: VPC, Name: "ct-dry", ClientToken: "ct-dry" });
    const dry = await c.createSecGroup({ VPCID: VPC, Name: "ct-dry", ClientToken: "ct-dry", DryRun: true });
    assert.equal(dry.SecGroupId, first.SecGroupId);
    assert.equal(dry.DryRun, true);
    assert.deepEqual(dry.Changes, []);
    // A dry run with a fresh token does not claim it: the real call after it creates.
    const groups = await groupCount(c);
    const probe = await c.createSecGroup({ VPCID: VPC, Name: "ct-dry-2", ClientToken: "ct-dry-2", DryRun: true });
    assert.equal(probe.Changes?.[0]?.Provisional, true);
    const real = await c.createSecGroup({ VPCID: VPC, Name: "ct-dry-2", ClientToken: "ct-dry-2" });
    assert.notEqual(real.SecGroupId, probe.SecGroupId);
    assert.equal(await groupCount(c), groups + 1);
  });

  it("admin creates take a token too (operator scope)", async () => {
    const op = client(server.url, OPERATOR);
    const first = await op.adminCreateKey({ CompanyId: 50900, UserName: "ct-user", ClientToken: "ct-key" });
    const again = await op.adminCreateKey({ CompanyId: 50900, UserName: "ct-user", ClientToken: "ct-key" });
    assert.deepEqual(again.Keys, first.Keys);
    const e = await refusal(op.adminCreateKey({ CompanyId: 50900, UserName: "ct-user-2", ClientToken: "ct-key" }));
    assert.equal(e.retCode, 58304);
  });

  it("a token survives a restart of the server", async () => {
    const first = await client(server.url).createSecGroup({
      VPCID: VPC,
      Name: "ct-restart",
      ClientToken: "ct-restart",
    });
    await server.stop();
    server = await startServer({ db: db() });
    const again = await client(server.url).createSecGroup({
      VPCID: VPC,
      Name: "ct-restart",
      ClientToken: "ct-restart",
    });
    assert.equal(again.SecGroupId, first.SecGroupId);
  });

  it("an SDK retry after a lost answer (connection cut after the commit) makes one create", async () => {
    const proxy = await startAnswerDroppingProxy(server.url);
    try {
      const c = new SgplaneClient({
        baseUrl: `${proxy.url}/`,
        region: "cn-bj2",
        ...DEMO,
        retry: { maxAttempts: 3, baseDelayMs: 20, random: () => 0 },
      });
      const direct = client(server.url);
      const groups = await groupCount(direct);
      const created = await c.createSecGroup({ VPCID: VPC, Name: "ct-lost" });
      assert.equal(created.$metadata.attempts, 2, "the first answer was cut off, the retry answered");
      assert.equal(proxy.cut, 1);
      assert.equal(await groupCount(direct), groups + 1, "one group, not two");
      const named = (await direct.describeSecGroup({ Limit: 1000 })).DataSet.filter((g) => g.Name === "ct-lost");
      assert.deepEqual(
        named.map((g) => g.SecGroupId),
        [created.SecGroupId],
      );
      // The same lost answer without a token is what the official SDKs live with: a second group.
      const tokenless = new SgplaneClient({
        baseUrl: `${proxy.url}/`,
        region: "cn-bj2",
        ...DEMO,
        clientTokens: false,
        retry: { maxAttempts: 3, baseDelayMs: 20, random: () => 0, retryUnsafeActions: true },
      });
      proxy.arm();
      await tokenless.createSecGroup({ VPCID: VPC, Name: "ct-lost-2" });
      const twice = (await direct.describeSecGroup({ Limit: 1000 })).DataSet.filter((g) => g.Name === "ct-lost-2");
      assert.equal(twice.length, 2, "without a token the retry created again (the proxy really cut after commit)");
    } finally {
      await proxy.close();
    }
  });
});

describe("ClientToken: expiry (--client-token-ttl)", () => {
  let server: ServerProcess;
  before(async () => {
    server = await startServer({ seed: EXAMPLE_SEED, args: ["--client-token-ttl", "1s"] });
  });
  after(async () => {
    await server?.stop();
  });

  it("after the time to live the token names nothing: the next call creates, and may use other parameters", async () => {
    const c = client(server.url);
    const first = await c.createSecGroup({ VPCID: VPC, Name: "ct-ttl", ClientToken: "ct-ttl" });
    const again = await c.createSecGroup({ VPCID: VPC, Name: "ct-ttl", ClientToken: "ct-ttl" });
    assert.equal(again.SecGroupId, first.SecGroupId);
    const mismatch = await refusal(c.createSecGroup({ VPCID: VPC, Name: "ct-ttl-other", ClientToken: "ct-ttl" }));
    assert.match(mismatch.apiMessage, /within the last 1 s/);
    await new Promise((r) => setTimeout(r, 1200));
    const later = await c.createSecGroup({ VPCID: VPC, Name: "ct-ttl-other", ClientToken: "ct-ttl" });
    assert.notEqual(later.SecGroupId, first.SecGroupId);
    const repeat = await c.createSecGroup({ VPCID: VPC, Name: "ct-ttl-other", ClientToken: "ct-ttl" });
    assert.equal(repeat.SecGroupId, later.SecGroupId);
  });
});

describe("ClientToken: two servers racing on one PostgreSQL database", () => {
  it("the same token sent to both servers at once: one create, every answer the same", async () => {
    const seed = JSON.parse(await (await import("node:fs/promises")).readFile(EXAMPLE_SEED, "utf8")) as object;
    const cluster = await startPostgresCluster("client_token_race", seed, 2);
    try {
      const clients = cluster.servers.map((s) => client(s.url));
      const [a, b] = clients as [SgplaneClient, SgplaneClient];
      for (let round = 0; round < 10; round++) {
        const before = await groupCount(a);
        const token = `ct-race-${round}`;
        const answers = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            (i % 2 === 0 ? a : b).createSecGroup({
              VPCID: VPC,
              Name: `race-${round}`,
              SecGroupRecommendation: "web",
              ClientToken: token,
            }),
          ),
        );
        const ids = new Set(answers.map((r) => r.SecGroupId));
        assert.equal(ids.size, 1, `round ${round}: one id in every answer`);
        assert.equal(await groupCount(b), before + 1, `round ${round}: one group`);
      }
    } finally {
      await cluster.stop();
    }
  });
});

/**
 * A TCP proxy to the server that, while armed (it starts armed), takes the next answer from the server and destroys
 * the client's connection instead of passing it on (then disarms): the server committed, the client saw a reset.
 */
async function startAnswerDroppingProxy(
  target: string,
): Promise<{ url: string; cut: number; arm(): void; close(): Promise<void> }> {
  const { hostname, port } = new URL(target);
  const { connect } = await import("node:net");
  let armed = true;
  const state = { cut: 0 };
  const sockets = new Set<Socket>();
  const proxy: Server = createServer((downstream) => {
    sockets.add(downstream);
    const upstream = connect(Number(port), hostname);
    sockets.add(upstream);
    downstream.on("data", (d) => upstream.write(d));
    upstream.on("data", (d) => {
      // Decided per answer, not per connection: the client keeps connections alive across calls.
      if (!armed) {
        downstream.write(d);
        return;
      }
      armed = false;
      // The whole answer arrived at the proxy (the server committed before answering): cut the client off.
      state.cut++;
      downstream.destroy();
      upstream.destroy();
    });
    const end = () => {
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on("close", end);
    upstream.on("close", end);
    downstream.on("error", end);
    upstream.on("error", end);
  });
  await new Promise<void>((resolve) => proxy.listen(0, "127.0.0.1", resolve));
  const address = proxy.address();
  assert.ok(address !== null && typeof address === "object");
  return {
    url: `http://127.0.0.1:${address.port}`,
    get cut() {
      return state.cut;
    },
    arm() {
      armed = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => resolve());
      }),
  };
}
