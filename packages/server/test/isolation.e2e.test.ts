// Isolation matrix over real HTTP, one entry per catalogue action (a missing entry fails to compile and fails a test):
// a caller outside an object's scope (another company, another project, another region) gets exactly the answer an
// id that exists nowhere gets, and changes nothing; sub-accounts stay in their granted projects; only operator keys
// reach admin actions, and operator keys reach nothing else.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type ActionName, actionNames, type Catalogue, catalogue, ID_PATTERN } from "@sgplane/catalogue";
import { Client } from "@sgplane/sdk";
import { type ServerProcess, startServer } from "./harness.ts";
import {
  A1,
  A2,
  B1,
  CO_A,
  CO_B,
  GHOST,
  idsOf,
  KEYS,
  MAIN,
  normalise,
  type Objs,
  OUTSIDERS,
  type OutsiderName,
  WORLD,
  WorldState,
} from "./isolation-world.ts";

type Params = Record<string, unknown>;

interface Variant {
  readonly name: string;
  /** The request, given the caller's own objects and the objects it aims at (MAIN, GHOST, or its own). */
  params(own: Objs, target: Objs): Params;
  /** RetCode when the target is out of the caller's sight (MAIN) or nowhere (GHOST): the two answers must be equal. */
  readonly hidden: number;
  /** RetCode when the target is the caller's own: proves the request is otherwise valid (default 0). */
  readonly visible?: number;
  /** Outsiders this variant applies to (default all). */
  readonly only?: readonly OutsiderName[];
  /** Ids the caller's own answer must show, so a listing is not vacuously empty. */
  readonly shows?: (own: Objs) => string[];
}

interface TenantCase {
  readonly variants: readonly [Variant, ...Variant[]];
  /** Id-shaped input fields that address no object (documented as ignored), so need no variant. */
  readonly unscoped?: readonly string[];
}

interface OperatorCase {
  readonly params: Params;
}

/** An account-wide read: the request, given a cursor at the start of the feed. */
interface AccountCase {
  readonly account: (start: string) => Params;
}

type Matrix = {
  readonly [A in ActionName]: Catalogue[A]["scope"] extends "tenant"
    ? TenantCase
    : Catalogue[A]["scope"] extends "account"
      ? AccountCase
      : OperatorCase;
};

const newRule = { Direction: "Ingress", ProtocolType: "TCP", DstPort: "80", IPRange: "10.0.0.0/8", Priority: 50 };
const rule = (ruleId: string) => ({ ...newRule, RuleId: ruleId, Priority: 1, RuleAction: "Drop" });
const psg = (secGroupId: string, priority: number) => [{ SecGroupId: secGroupId, Priority: priority }];
/** A packet the world's rule (Ingress TCP 22 from 10.0.0.0/8, Accept) decides. */
const packet = { Direction: "Ingress", ProtocolType: "TCP", Port: 22, PeerIp: "10.1.2.3" };

const MATRIX: Matrix = {
  CopySecGroup: {
    variants: [
      {
        name: "source group",
        params: (own, t) => ({
          SecGroupId: t.group,
          DstRegion: own.region,
          DstProjectId: own.project,
          DstVPCId: own.vpc,
        }),
        hidden: 8039,
      },
      {
        name: "destination VPC",
        params: (own, t) => ({
          SecGroupId: own.group,
          DstRegion: own.region,
          DstProjectId: own.project,
          DstVPCId: t.vpc,
        }),
        hidden: 8039,
      },
      {
        // Another project of one's own company is a legitimate destination; another company's is not a project.
        name: "destination project of another company",
        params: (own, t) => ({
          SecGroupId: own.group,
          DstRegion: own.region,
          DstProjectId: t.project,
          DstVPCId: t.vpc,
        }),
        hidden: 292,
        only: ["otherCompany"],
      },
    ],
  },
  CreateSecGroup: {
    variants: [{ name: "VPC", params: (_own, t) => ({ VPCID: t.vpc, Name: "iso-new" }), hidden: 8039 }],
  },
  DeleteSecGroup: {
    variants: [{ name: "group", params: (_own, t) => ({ SecGroupId: [t.group2] }), hidden: 8039 }],
  },
  DescribeSecGroup: {
    variants: [
      {
        name: "by id (unknown ids are skipped)",
        params: (_own, t) => ({ SecGroupId: [t.group, t.group2] }),
        hidden: 0,
      },
      { name: "by VPC", params: (_own, t) => ({ VPCId: t.vpc }), hidden: 0 },
      { name: "listing", params: () => ({}), hidden: 0, shows: (own) => [own.group, own.group2, own.rule] },
    ],
  },
  UpdateSecGroup: {
    variants: [{ name: "group", params: (_own, t) => ({ SecGroupId: [t.group], Name: "iso-renamed" }), hidden: 8039 }],
  },
  CreateSecGroupRule: {
    variants: [
      {
        name: "group",
        params: (_own, t) => ({ SecGroupId: t.group, Rule: [{ ...newRule, RuleAction: "Accept" }] }),
        hidden: 8039,
      },
    ],
  },
  DeleteSecGroupRule: {
    variants: [
      { name: "group", params: (_own, t) => ({ SecGroupId: t.group, RuleId: [t.rule] }), hidden: 8039 },
      {
        name: "rule, in one's own group",
        params: (own, t) => ({ SecGroupId: own.group, RuleId: [t.rule] }),
        hidden: 8039,
      },
    ],
  },
  UpdateSecGroupRule: {
    variants: [
      { name: "group", params: (_own, t) => ({ SecGroupId: t.group, Rule: [rule(t.rule)] }), hidden: 8039 },
      {
        name: "rule, in one's own group",
        params: (own, t) => ({ SecGroupId: own.group, Rule: [rule(t.rule)] }),
        hidden: 8039,
      },
    ],
  },
  AssociateSecGroup: {
    variants: [
      {
        name: "resource",
        params: (own, t) => ({ ResourceId: [t.host], PrioritySecGroup: psg(own.group2, 2) }),
        hidden: 8039,
      },
      {
        name: "group",
        params: (own, t) => ({ ResourceId: [own.host], PrioritySecGroup: psg(t.group2, 2) }),
        hidden: 8039,
      },
    ],
  },
  AssociateSecGroupDynamic: {
    variants: [
      { name: "resource", params: (own, t) => ({ ResourceId: [t.host], SecGroupId: own.group2 }), hidden: 8039 },
      { name: "group", params: (own, t) => ({ ResourceId: [own.host], SecGroupId: t.group2 }), hidden: 8039 },
    ],
  },
  DisassociateSecGroup: {
    variants: [
      {
        name: "pair: group",
        params: (own, t) => ({ SecGroupId: [t.group], ResourceId: [own.host], Force: true }),
        hidden: 8039,
      },
      {
        name: "pair: resource",
        params: (own, t) => ({ SecGroupId: [own.group], ResourceId: [t.host], Force: true }),
        hidden: 8039,
      },
      { name: "every binding of a group", params: (_own, t) => ({ SecGroupId: [t.group], Force: true }), hidden: 8039 },
      {
        name: "every binding of a resource",
        params: (_own, t) => ({ ResourceId: [t.host], Force: true }),
        hidden: 8039,
      },
    ],
    unscoped: ["ResourceType"],
  },
  SwitchToSecGroup: {
    variants: [
      {
        name: "resource",
        params: (own, t) => ({ ResourceId: t.fw, IsRemoveFirewall: true, PrioritySecGroup: [own.group2] }),
        hidden: 8039,
      },
      {
        name: "group",
        params: (own, t) => ({ ResourceId: own.fw, IsRemoveFirewall: true, PrioritySecGroup: [t.group2] }),
        hidden: 8039,
      },
      {
        name: "NIC",
        params: (own, t) => ({
          ResourceId: own.fw,
          IsRemoveFirewall: false,
          UniToPrioritySecGroup: JSON.stringify({ [t.nic]: psg(own.group2, 1) }),
        }),
        hidden: 8039,
      },
    ],
  },
  UpdateSecGroupAssociation: {
    variants: [
      {
        name: "resource",
        params: (own, t) => ({
          ResourceId: t.host,
          OldSecGroupId: [own.group],
          NewPrioritySecGroup: psg(own.group2, 2),
        }),
        hidden: 8039,
      },
      {
        name: "new group",
        params: (own, t) => ({
          ResourceId: own.host,
          OldSecGroupId: [own.group],
          NewPrioritySecGroup: psg(t.group2, 2),
        }),
        hidden: 8039,
      },
      {
        name: "old group",
        params: (own, t) => ({
          ResourceId: own.host,
          OldSecGroupId: [t.group],
          NewPrioritySecGroup: psg(own.group2, 2),
        }),
        hidden: 8039,
      },
    ],
  },
  DescribeResourceSecGroup: {
    variants: [
      {
        name: "by id (unknown ids are skipped)",
        params: (_own, t) => ({ ResourceId: [t.host, t.fw, t.nic] }),
        hidden: 0,
      },
      { name: "by VPC", params: (_own, t) => ({ VPCId: t.vpc }), hidden: 0 },
      { name: "listing", params: () => ({}), hidden: 0, shows: (own) => [own.host, own.fw, own.group] },
    ],
  },
  DescribeSecGroupResource: {
    variants: [
      { name: "group", params: (_own, t) => ({ SecGroupId: t.group }), hidden: 8039 },
      { name: "listing", params: () => ({}), hidden: 0, shows: (own) => [own.host] },
    ],
    unscoped: ["VPCId"],
  },
  CheckSecGroupPacket: {
    variants: [
      {
        name: "resource",
        params: (_own, t) => ({ ResourceId: t.host, ...packet }),
        hidden: 8039,
        shows: (own) => [own.group, own.rule],
      },
      { name: "Firewall-mode resource", params: (_own, t) => ({ ResourceId: t.fw, ...packet }), hidden: 8039 },
    ],
  },
  DescribeResourcePolicy: {
    variants: [
      {
        name: "resource",
        params: (_own, t) => ({ ResourceId: t.host }),
        hidden: 8039,
        shows: (own) => [own.group, own.rule],
      },
      { name: "Firewall-mode resource", params: (_own, t) => ({ ResourceId: t.fw }), hidden: 8039 },
    ],
  },
  CreateFirewall: {
    // Names no object: a firewall is made in the caller's own scope. A refused rule set answers alike everywhere,
    // and a valid one is shown to work in firewalls.e2e.test.ts (its random id makes two effects incomparable here).
    variants: [
      {
        name: "nothing to aim at (a bad rule answers the same)",
        params: () => ({ Name: "iso-fw", Rule: ["TCP|99999|0.0.0.0/0|ACCEPT|HIGH"] }),
        hidden: 230,
        visible: 230,
      },
    ],
  },
  DescribeFirewall: {
    variants: [
      { name: "by id", params: (_own, t) => ({ FWId: t.firewall }), hidden: 54002 },
      { name: "another scope's default firewall", params: (_own, t) => ({ FWId: t.defaultFw }), hidden: 54002 },
      {
        name: "by resource (none: an empty list)",
        params: (_own, t) => ({ ResourceId: t.fw, ResourceType: "uhost" }),
        hidden: 0,
        shows: (own) => [own.firewall],
      },
      { name: "listing", params: () => ({}), hidden: 0, shows: (own) => [own.firewall, own.firewall2, own.defaultFw] },
    ],
  },
  UpdateFirewall: {
    variants: [
      {
        name: "firewall",
        params: (_own, t) => ({ FWId: t.firewall, Rule: ["TCP|80|0.0.0.0/0|ACCEPT|HIGH"] }),
        hidden: 54002,
      },
      {
        name: "another scope's default firewall",
        params: (_own, t) => ({ FWId: t.defaultFw, Rule: ["TCP|80|0.0.0.0/0|ACCEPT|HIGH"] }),
        hidden: 54002,
      },
    ],
  },
  UpdateFirewallAttribute: {
    variants: [{ name: "firewall", params: (_own, t) => ({ FWId: t.firewall, Name: "iso-renamed" }), hidden: 54002 }],
  },
  DeleteFirewall: {
    variants: [{ name: "firewall", params: (_own, t) => ({ FWId: t.firewall2 }), hidden: 54002 }],
  },
  GrantFirewall: {
    variants: [
      {
        name: "firewall",
        params: (own, t) => ({ FWId: t.firewall2, ResourceType: "uhost", ResourceId: own.fw }),
        hidden: 54002,
      },
      {
        name: "another scope's default firewall",
        params: (own, t) => ({ FWId: t.defaultFw, ResourceType: "uhost", ResourceId: own.fw }),
        hidden: 54002,
      },
      {
        name: "resource",
        params: (own, t) => ({ FWId: own.firewall2, ResourceType: "uhost", ResourceId: t.fw }),
        hidden: 8039,
      },
    ],
  },
  DescribeFirewallResource: {
    variants: [
      { name: "firewall", params: (_own, t) => ({ FWId: t.firewall }), hidden: 54002, shows: (own) => [own.fw] },
    ],
  },
  DisassociateFirewall: {
    variants: [
      {
        name: "firewall",
        params: (own, t) => ({ FWId: t.firewall, ResourceId: own.lb, ResourceType: "ulb" }),
        hidden: 54002,
      },
      {
        name: "resource",
        params: (own, t) => ({ FWId: own.firewall, ResourceId: t.lb, ResourceType: "ulb" }),
        hidden: 8039,
      },
    ],
  },
  DescribeFeedEvents: { account: (start) => ({ After: start, Limit: 1000 }) },
  DescribeFeedSnapshot: { account: () => ({}) },
  DescribeAuditRecords: { account: () => ({ Limit: 1000 }) },
  AdminCreateCompany: { params: { CompanyId: 83003, Name: "iso-c", ProjectId: "org-iso-c1" } },
  AdminCreateKey: { params: { CompanyId: CO_A, UserName: "iso-new" } },
  AdminCreateProject: { params: { CompanyId: CO_A, ProjectId: "org-iso-a3", Name: "third" } },
  AdminCreateVPC: { params: { CompanyId: CO_A, VPCId: "uvnet-iso-new", Region: "cn-bj2", ProjectId: A1, Name: "new" } },
  AdminDeregisterResource: { params: { ResourceId: MAIN.nic } },
  AdminExportState: { params: { CompanyId: CO_A } },
  AdminImportState: { params: { State: WORLD } },
  AdminRegisterResource: {
    params: {
      CompanyId: CO_A,
      ResourceId: "uhost-iso-new",
      ResourceType: "uhost",
      Region: "cn-bj2",
      ProjectId: A1,
      VPCId: MAIN.vpc,
      Name: "new",
      SecurityMode: "SecGroup",
    },
  },
  AdminReset: { params: {} },
  AdminSetQuota: { params: { CompanyId: CO_A, SecGroupsPerCompany: 10 } },
  AdminUpdateResource: { params: { ResourceId: MAIN.host, Name: "renamed" } },
};

let server: ServerProcess;
let world: WorldState;
before(async () => {
  server = await startServer();
  world = new WorldState(server);
  await world.reset();
});
after(async () => {
  await server.stop();
});

type Key = { readonly publicKey: string; readonly privateKey: string };

/** One signed call; ProjectId is sent only when given. Returns the envelope as sent. */
async function send(key: Key, region: string, projectId: string | undefined, action: string, params: Params) {
  const client = server.client(key, { region, ...(projectId !== undefined && { projectId }) });
  const { body } = await client.send(action, params);
  return body;
}

/** Calls, then reports whether the state changed (and restores it if so). */
async function sendAndRestore(key: Key, region: string, projectId: string | undefined, action: string, params: Params) {
  const body = await send(key, region, projectId, action, params);
  const after = await world.snapshot();
  const changed = after !== world.initial;
  if (changed) await world.reset();
  return { body, after, changed };
}

const mainIds = idsOf(MAIN).map(([, id]) => id);

/** An outsider's answer may name a MAIN id only when the request did (echoed in a message). */
function assertNoLeak(body: unknown, params: Params, what: string): void {
  const sent = JSON.stringify(params);
  const text = JSON.stringify(body);
  for (const id of mainIds) {
    if (!sent.includes(id)) assert.equal(text.includes(id), false, `${what}: the answer shows ${id}: ${text}`);
  }
}

/** Input fields of an action that carry ids (their schema, or something inside it, has the id pattern). */
function idFields(action: ActionName): string[] {
  const props = catalogue[action].input.properties as Record<string, unknown>;
  return Object.entries(props)
    .filter(([, schema]) => JSON.stringify(schema).includes(JSON.stringify(ID_PATTERN)))
    .map(([name]) => name);
}

const tenantActions = actionNames.filter((a) => catalogue[a].scope === "tenant");
const accountActions = actionNames.filter((a) => catalogue[a].scope === "account");
const operatorActions = actionNames.filter((a) => catalogue[a].scope === "operator");

describe("the matrix covers the catalogue", () => {
  it("every action has a case, and every id-carrying field of a tenant action is aimed at another scope", () => {
    assert.deepEqual(Object.keys(MATRIX).sort(), [...actionNames].sort());
    for (const action of tenantActions) {
      const entry = MATRIX[action] as TenantCase;
      assert.ok(Array.isArray(entry.variants) && entry.variants.length > 0, `${action} has no isolation variant`);
      for (const field of idFields(action)) {
        if (entry.unscoped?.includes(field)) continue;
        const aimed = entry.variants.some((v) =>
          OUTSIDERS.some((o) => mainIds.some((id) => JSON.stringify(v.params(o.own, MAIN)[field] ?? "").includes(id))),
        );
        assert.ok(aimed, `${action}.${field} carries ids but no isolation variant aims it at another scope`);
      }
    }
    for (const action of operatorActions) assert.ok("params" in MATRIX[action], `${action} has no operator case`);
    for (const action of accountActions) assert.ok("account" in MATRIX[action], `${action} has no account case`);
  });
});

for (const action of tenantActions) {
  const entry = MATRIX[action] as TenantCase;
  const mutates = catalogue[action].mutates;
  describe(`isolation: ${action}`, () => {
    for (const v of entry.variants) {
      for (const o of OUTSIDERS.filter((x) => v.only === undefined || v.only.includes(x.name))) {
        it(`${v.name}: ${o.name} sees MAIN's objects as ids that exist nowhere`, async () => {
          const call = (target: Objs) =>
            sendAndRestore(o.key, o.own.region, o.own.project, action, v.params(o.own, target));
          const foreign = await call(MAIN);
          const ghost = await call(GHOST);
          const own = await call(o.own);
          const what = `${action} ${v.name} as ${o.name}`;
          assert.equal(foreign.body.RetCode, v.hidden, `${what}: ${JSON.stringify(foreign.body)}`);
          assert.equal(
            normalise(JSON.stringify(foreign.body), MAIN),
            normalise(JSON.stringify(ghost.body), GHOST),
            `${what}: the same answer as for ids that exist nowhere`,
          );
          if (v.hidden !== 0 || !mutates) assert.equal(foreign.changed, false, `${what} changed the state`);
          else assert.equal(foreign.after, ghost.after, `${what}: the same effect as for unknown ids`);
          assertNoLeak(foreign.body, v.params(o.own, MAIN), what);
          assert.equal(own.body.RetCode, v.visible ?? 0, `${what}, own objects (control): ${JSON.stringify(own.body)}`);
          for (const id of v.shows?.(o.own) ?? []) {
            assert.ok(JSON.stringify(own.body).includes(id), `${what}: own listing shows ${id}`);
          }
        });
      }
    }

    const first = entry.variants[0];
    const params = first.params(MAIN, MAIN);
    it("sub-account: 299 on a project it is not granted, 220 without ProjectId, its main account's answer in its own", async () => {
      const denied = await sendAndRestore(KEYS.aDev, "cn-bj2", A2, action, params);
      assert.equal(denied.body.RetCode, 299, JSON.stringify(denied.body));
      assert.equal(denied.changed, false);
      const missing = await sendAndRestore(KEYS.aDev, "cn-bj2", undefined, action, params);
      assert.equal(missing.body.RetCode, 220);
      assert.equal(missing.body.Message, "Missing params [ProjectId]");
      assert.equal(missing.changed, false);
      const granted = await sendAndRestore(KEYS.aDev, "cn-bj2", A1, action, params);
      const root = await sendAndRestore(KEYS.aRoot, "cn-bj2", A1, action, params);
      assert.equal(granted.body.RetCode, first.visible ?? 0, JSON.stringify(granted.body));
      assert.equal(granted.body.RetCode, root.body.RetCode);
    });

    it("another company's ProjectId answers exactly like a project that does not exist (292)", async () => {
      const foreign = await sendAndRestore(KEYS.bRoot, "cn-bj2", A1, action, params);
      const ghost = await sendAndRestore(KEYS.bRoot, "cn-bj2", GHOST.project, action, params);
      assert.equal(foreign.body.RetCode, 292);
      assert.equal(normalise(JSON.stringify(foreign.body), MAIN), normalise(JSON.stringify(ghost.body), GHOST));
      assert.equal(foreign.changed, false);
    });

    it("an operator key gets 299 and changes nothing", async () => {
      const res = await sendAndRestore(KEYS.operator, "cn-bj2", A1, action, params);
      assert.equal(res.body.RetCode, 299);
      assert.match(String(res.body.Message), /operator key cannot act on tenant objects/);
      assert.equal(res.changed, false);
    });
  });
}

describe("isolation: sub-account destinations", () => {
  it("CopySecGroup into a project the sub-account is not granted: 299, nothing created", async () => {
    const res = await sendAndRestore(KEYS.aDev, "cn-bj2", A1, "CopySecGroup", {
      SecGroupId: MAIN.group,
      DstRegion: "cn-bj2",
      DstProjectId: A2,
      DstVPCId: OUTSIDERS[1]?.own.vpc,
    });
    assert.equal(res.body.RetCode, 299);
    assert.equal(res.changed, false);
  });
});

const [otherCompanyOwn, otherProjectOwn, otherRegionOwn] = OUTSIDERS.map((o) => o.own) as [Objs, Objs, Objs];

/** An account-wide read as this key, with Region / ProjectId only when given. */
async function accountCall(
  key: Key,
  action: ActionName,
  params: Params,
  filters: { region?: string; project?: string },
) {
  const client = new Client({
    baseUrl: `${server.url}/`,
    ...key,
    ...(filters.region !== undefined && { region: filters.region }),
    ...(filters.project !== undefined && { projectId: filters.project }),
  });
  return (await client.send(action, params)).body;
}

const shows = (body: unknown, id: string): boolean => JSON.stringify(body).includes(id);

/**
 * What proves a scope's objects are in an answer: its group's id, or, in the audit trail (where anyone's own calls
 * may name any id), the marker its own calls carried.
 */
const probeOf = (action: ActionName, o: Objs): string =>
  action === "DescribeAuditRecords" ? `iso-mark-${o.group}` : o.group;

for (const action of accountActions) {
  const { account } = MATRIX[action] as AccountCase;
  describe(`isolation: ${action}`, () => {
    let params: Params;
    before(async () => {
      await world.restore();
      // Calls naming each scope's group, made in that scope: the audit trail then holds one per scope.
      const probe = (o: Objs) => ({ SecGroupId: [o.group], Marker: `iso-mark-${o.group}` });
      await send(KEYS.aRoot, "cn-bj2", A1, "DescribeSecGroup", probe(MAIN));
      await send(KEYS.aRoot, "cn-bj2", A2, "DescribeSecGroup", probe(otherProjectOwn));
      await send(KEYS.aRoot, "cn-sh2", A1, "DescribeSecGroup", probe(otherRegionOwn));
      await send(KEYS.bRoot, "cn-bj2", B1, "DescribeSecGroup", probe(otherCompanyOwn));
      // Read calls' records are written in batches (at most 100 ms apart).
      await new Promise((resolve) => setTimeout(resolve, 400));
      const snapshot = await accountCall(KEYS.operator, "DescribeFeedSnapshot", {}, {});
      params = account(String(snapshot.Cursor).replace(/-\d+$/, "-0"));
    });

    it("another company sees its own objects and none of company A's", async () => {
      const body = await accountCall(KEYS.bRoot, action, params, {});
      assert.equal(body.RetCode, 0, JSON.stringify(body));
      assert.ok(shows(body, probeOf(action, otherCompanyOwn)), `${action}: B's own group`);
      for (const o of [MAIN, otherProjectOwn, otherRegionOwn]) {
        assert.equal(shows(body, probeOf(action, o)), false, o.group);
      }
      if (action !== "DescribeAuditRecords") assertNoLeak(body, params, `${action} as otherCompany`);
    });

    it("the main account sees every project and region of its company; Region and ProjectId narrow it", async () => {
      const all = await accountCall(KEYS.aRoot, action, params, {});
      assert.equal(all.RetCode, 0, JSON.stringify(all));
      for (const o of [MAIN, otherProjectOwn, otherRegionOwn]) assert.ok(shows(all, probeOf(action, o)), o.group);
      assert.equal(shows(all, probeOf(action, otherCompanyOwn)), false);
      const sh = await accountCall(KEYS.aRoot, action, params, { region: "cn-sh2" });
      assert.ok(shows(sh, probeOf(action, otherRegionOwn)));
      assert.equal(shows(sh, probeOf(action, MAIN)), false, "Region=cn-sh2 shows no cn-bj2 object");
      const a2 = await accountCall(KEYS.aRoot, action, params, { project: A2 });
      assert.ok(shows(a2, probeOf(action, otherProjectOwn)));
      assert.equal(shows(a2, probeOf(action, MAIN)), false, "ProjectId=A2 shows no A1 object");
    });

    it("a sub-account sees only its granted projects: 299 for another, 292 for another company's", async () => {
      const own = await accountCall(KEYS.aDev, action, params, {});
      assert.equal(own.RetCode, 0, JSON.stringify(own));
      assert.ok(shows(own, probeOf(action, MAIN)));
      assert.ok(shows(own, probeOf(action, otherRegionOwn)), "its project in another region");
      assert.equal(shows(own, probeOf(action, otherProjectOwn)), false, "a project it is not granted");
      assert.equal(shows(own, probeOf(action, otherCompanyOwn)), false);
      const denied = await accountCall(KEYS.aDev, action, params, { project: A2 });
      assert.equal(denied.RetCode, 299, JSON.stringify(denied));
      const foreign = await accountCall(KEYS.bRoot, action, params, { project: A1 });
      const ghost = await accountCall(KEYS.bRoot, action, params, { project: GHOST.project });
      assert.equal(foreign.RetCode, 292);
      assert.equal(normalise(JSON.stringify(foreign), MAIN), normalise(JSON.stringify(ghost), GHOST));
    });

    it("CompanyId: a company key may name only its own (299); the operator sees all, or the company it names", async () => {
      const other = await accountCall(KEYS.aRoot, action, { ...params, CompanyId: CO_B }, {});
      assert.equal(other.RetCode, 299, JSON.stringify(other));
      assert.equal(shows(other, probeOf(action, otherCompanyOwn)), false);
      const everything = await accountCall(KEYS.operator, action, params, {});
      assert.equal(everything.RetCode, 0, JSON.stringify(everything));
      for (const o of [MAIN, otherCompanyOwn]) assert.ok(shows(everything, probeOf(action, o)), o.group);
      const onlyB = await accountCall(KEYS.operator, action, { ...params, CompanyId: CO_B }, {});
      assert.ok(shows(onlyB, probeOf(action, otherCompanyOwn)));
      assert.equal(shows(onlyB, probeOf(action, MAIN)), false);
    });
  });
}

for (const action of operatorActions) {
  const { params } = MATRIX[action] as OperatorCase;
  describe(`isolation: ${action}`, () => {
    it("company keys (main account, sub-account, other company) get 299 and change nothing", async () => {
      for (const [key, project] of [
        [KEYS.aRoot, A1],
        [KEYS.aDev, A1],
        [KEYS.bRoot, undefined],
      ] as const) {
        const res = await sendAndRestore(key, "cn-bj2", project, action, params);
        assert.equal(res.body.RetCode, 299, `${key.publicKey}: ${JSON.stringify(res.body)}`);
        assert.equal(res.body.Message, `Permission denied: ${action} needs an operator key`);
        assert.equal(res.changed, false);
        assert.equal(JSON.stringify(res.body).includes("priv"), false, "no private key in the answer");
      }
    });

    it("the operator key is accepted", async () => {
      const res = await sendAndRestore(KEYS.operator, "cn-bj2", undefined, action, params);
      assert.equal(res.body.RetCode, 0, JSON.stringify(res.body));
      if (!catalogue[action].mutates || action === "AdminImportState") assert.equal(res.changed, false);
      else assert.equal(res.changed, true, `${action} with the operator key changed the state`);
    });
  });
}
