// Seed validation: the first problem is reported with its exact path; a valid seed passes unchanged.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { SeedError, validateSeed } from "./validate-seed.ts";

const example = readFileSync(new URL("../../../../examples/seed.json", import.meta.url), "utf8");
type Mutable = Record<string, unknown> & { Companies: Record<string, unknown[] & Record<string, unknown>>[] };
const fresh = () => JSON.parse(example) as Mutable;
const company = (s: Mutable) => s.Companies[0] as unknown as Record<string, Record<string, unknown>[]>;

function rejectsAt(mutate: (s: Mutable) => void, path: string, reason: RegExp) {
  const s = fresh();
  mutate(s);
  assert.throws(
    () => validateSeed(s),
    (e: unknown) => e instanceof SeedError && e.path === path && reason.test(e.reason),
  );
}

describe("validateSeed", () => {
  it("accepts the shipped example", () => {
    assert.equal(validateSeed(fresh()).Companies?.[0]?.Name, "demo");
  });
  it("schema errors: unknown key, wrong type, missing key", () => {
    rejectsAt(
      (s) => Object.assign(company(s).Resources?.[3] ?? {}, { Color: "red" }),
      "Companies[0].Resources[3].Color",
      /unexpected/,
    );
    rejectsAt(
      (s) => Object.assign(company(s).Bindings?.[0] ?? {}, { Priority: "1" }),
      "Companies[0].Bindings[0].Priority",
      /integer/,
    );
    rejectsAt((s) => delete company(s).VPCs?.[0]?.Name, "Companies[0].VPCs[0].Name", /required/);
    rejectsAt(
      (s) => Object.assign(company(s).Bindings?.[0] ?? {}, { Priority: 6 }),
      "Companies[0].Bindings[0].Priority",
      /6|less/,
    );
  });
  it("cross references: project, region, VPC placement, parent", () => {
    rejectsAt(
      (s) => Object.assign(company(s).VPCs?.[0] ?? {}, { ProjectId: "org-x" }),
      "Companies[0].VPCs[0].ProjectId",
      /not a project/,
    );
    rejectsAt(
      (s) => Object.assign(company(s).VPCs?.[0] ?? {}, { Region: "hk" }),
      "Companies[0].VPCs[0].Region",
      /region list/,
    );
    rejectsAt(
      (s) => Object.assign(company(s).Resources?.[0] ?? {}, { VPCId: "uvnet-x" }),
      "Companies[0].Resources[0].VPCId",
      /not a VPC/,
    );
    rejectsAt(
      (s) => Object.assign(company(s).Resources?.[0] ?? {}, { SuperResourceId: "uhost-x" }),
      "Companies[0].Resources[0].SuperResourceId",
      /not a resource/,
    );
  });
  it("duplicates are named with the first occurrence", () => {
    rejectsAt(
      (s) => Object.assign(company(s).SecGroups?.[1] ?? {}, { SecGroupId: "secgroup-demo01" }),
      "Companies[0].SecGroups[1].SecGroupId",
      /duplicate SecGroupId secgroup-demo01 \(first at Companies\[0\]\.SecGroups\[0\]\.SecGroupId\)/,
    );
  });
  it("binding rules: VPC, Firewall mode, priority clash, quotas", () => {
    rejectsAt(
      (s) => company(s).Bindings?.push({ ResourceId: "uhost-demo04", SecGroupId: "secgroup-demo01", Priority: 2 }),
      "Companies[0].Bindings[4]",
      /uvnet-demo02/,
    );
    rejectsAt(
      (s) => company(s).Bindings?.push({ ResourceId: "uhost-demo03", SecGroupId: "secgroup-demo01", Priority: 1 }),
      "Companies[0].Bindings[4]",
      /Firewall/,
    );
    rejectsAt(
      (s) => company(s).Bindings?.push({ ResourceId: "uhost-demo02", SecGroupId: "secgroup-demo02", Priority: 1 }),
      "Companies[0].Bindings[4].Priority",
      /duplicate binding priority/,
    );
    rejectsAt(
      (s) => {
        Object.assign(s.Companies[0] ?? {}, { Quotas: { SecGroupsPerResource: 1 } });
      },
      "Companies[0].Bindings[1]",
      /more than 1 groups/,
    );
  });
  it("rules: format and unique priority per direction", () => {
    const rules = (s: Mutable) =>
      (company(s).SecGroups?.[0] as { Rules?: Record<string, unknown>[] } | undefined)?.Rules ?? [];
    rejectsAt(
      (s) => Object.assign(rules(s)[0] ?? {}, { DstPort: "0" }),
      "Companies[0].SecGroups[0].Rules[0].DstPort",
      /not a port/,
    );
    rejectsAt(
      (s) => Object.assign(rules(s)[0] ?? {}, { IPRange: "1.2.3" }),
      "Companies[0].SecGroups[0].Rules[0].IPRange",
      /1\.2\.3/,
    );
    rejectsAt(
      (s) => Object.assign(rules(s)[1] ?? {}, { Priority: 1 }),
      "Companies[0].SecGroups[0].Rules[1].Priority",
      /duplicate/,
    );
  });
  it("more than one default project", () => {
    rejectsAt(
      (s) => Object.assign(company(s).Projects?.[1] ?? {}, { Default: true }),
      "Companies[0].Projects",
      /more than one/,
    );
  });
  it("firewalls: rules parse, defaults keep their derived id, grants go to Firewall-mode resources of their scope", () => {
    const fw = (extra: object) => (s: Mutable) => {
      company(s).Firewalls = [
        { FWId: "firewall-seed1", Region: "cn-bj2", ProjectId: "org-demo01", Name: "f", Rules: [], ...extra },
      ];
    };
    const ok = fresh();
    fw({ Rules: ["TCP|22|0.0.0.0/0|ACCEPT|HIGH"], Resources: ["uhost-demo03"] })(ok);
    assert.doesNotThrow(() => validateSeed(ok));
    rejectsAt(fw({ Rules: ["TCP|22|0.0.0.0/0|OK|HIGH"] }), "Companies[0].Firewalls[0].Rules[0]", /ACTION 'OK'/);
    rejectsAt(
      fw({ Type: "recommend web" }),
      "Companies[0].Firewalls[0].FWId",
      /recommend web firewall .* has the id firewall-web-/,
    );
    rejectsAt(fw({ Resources: ["uhost-demo01"] }), "Companies[0].Firewalls[0].Resources[0]", /SecGroup mode/);
    rejectsAt(fw({ Resources: ["uhost-nope"] }), "Companies[0].Firewalls[0].Resources[0]", /not a resource/);
    rejectsAt(
      fw({ Resources: ["uhost-demo03", "uhost-demo03"] }),
      "Companies[0].Firewalls[0].Resources[1]",
      /duplicate firewall grant/,
    );
    rejectsAt(fw({ Region: "hk" }), "Companies[0].Firewalls[0].Region", /not in the region list/);
  });
});
