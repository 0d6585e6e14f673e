// Profile resolution: flag over environment over profile, explicit --profile over environment, strict config file.
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { UsageError } from "../src/parse-values.ts";
import {
  type ConfigFile,
  configPath,
  loadConfig,
  parseConfig,
  resolveConnection,
  resolveSettings,
  saveProfile,
} from "../src/profile.ts";

const config: ConfigFile = {
  defaultProfile: "dev",
  profiles: {
    dev: { baseUrl: "http://dev:8080", publicKey: "dev-pub", privateKey: "dev-priv", region: "cn-bj2" },
    prod: { baseUrl: "https://prod", publicKey: "prod-pub", privateKey: "prod-priv", projectId: "org-prod" },
  },
};

// null: no config file at all (undefined would pick the default parameter).
const resolve = (flags = {}, env: Record<string, string> = {}, profileFlag?: string, cfg: ConfigFile | null = config) =>
  resolveConnection({ flags, env, config: cfg ?? undefined, profileFlag, configPath: "/cfg.json" });

describe("resolveConnection", () => {
  it("uses the file's default profile when nothing else is given", () => {
    assert.deepEqual(resolve(), {
      baseUrl: "http://dev:8080",
      publicKey: "dev-pub",
      privateKey: "dev-priv",
      region: "cn-bj2",
    });
  });

  it("flag > environment > profile, per setting", () => {
    const c = resolve({ region: "hk" }, { SGPLANE_REGION: "cn-sh2", SGPLANE_PUBLIC_KEY: "env-pub" });
    assert.equal(c.region, "hk");
    assert.equal(c.publicKey, "env-pub");
    assert.equal(c.privateKey, "dev-priv");
  });

  it("an explicit --profile beats the environment, a flag still beats both", () => {
    const env = { SGPLANE_PUBLIC_KEY: "env-pub", SGPLANE_PRIVATE_KEY: "env-priv", SGPLANE_REGION: "cn-sh2" };
    const c = resolve({ privateKey: "flag-priv" }, env, "prod");
    assert.equal(c.publicKey, "prod-pub");
    assert.equal(c.privateKey, "flag-priv");
    assert.equal(c.region, "cn-sh2", "the profile has no region, so the environment fills it");
    assert.equal(c.projectId, "org-prod");
  });

  it("SGPLANE_PROFILE picks the profile; the environment's keys still win over it", () => {
    const c = resolve({}, { SGPLANE_PROFILE: "prod", SGPLANE_PUBLIC_KEY: "env-pub" });
    assert.equal(c.baseUrl, "https://prod");
    assert.equal(c.publicKey, "env-pub");
  });

  it("works from the environment alone, with the default base URL", () => {
    const c = resolve(
      {},
      { SGPLANE_PUBLIC_KEY: "p", SGPLANE_PRIVATE_KEY: "q", SGPLANE_PROJECT_ID: "org-x" },
      undefined,
      null,
    );
    assert.deepEqual(c, { baseUrl: "http://127.0.0.1:8080", publicKey: "p", privateKey: "q", projectId: "org-x" });
  });

  it("treats empty environment variables as unset", () => {
    assert.equal(resolve({}, { SGPLANE_REGION: "" }).region, "cn-bj2");
  });

  it("names the three ways to give a missing key", () => {
    assert.throws(
      () => resolve({}, { SGPLANE_PUBLIC_KEY: "p" }, undefined, null),
      (e: unknown) =>
        e instanceof UsageError &&
        /--private-key/.test(e.message) &&
        /SGPLANE_PRIVATE_KEY/.test(e.message) &&
        /profile "default" of \/cfg.json/.test(e.message),
    );
  });

  it("an unknown profile asked for by name is an error listing the known ones", () => {
    assert.throws(() => resolve({}, {}, "staging"), /profile "staging" is not in \/cfg.json \(profiles: dev, prod\)/);
    assert.throws(() => resolve({}, { SGPLANE_PROFILE: "staging" }), /profile "staging"/);
  });

  it("reports where each setting came from", () => {
    const s = resolveSettings({
      flags: { region: "hk" },
      env: { SGPLANE_PUBLIC_KEY: "e" },
      config,
      profileFlag: undefined,
      configPath: "/cfg.json",
    });
    assert.equal(s.profile, "dev");
    assert.deepEqual(s.sources, { baseUrl: "profile", publicKey: "env", privateKey: "profile", region: "flag" });
  });
});

describe("config file", () => {
  it("lives in ~/.sgplane/config.json unless SGPLANE_CONFIG says otherwise", () => {
    assert.match(configPath({}), /\.sgplane[/\\]config\.json$/);
    assert.equal(configPath({ SGPLANE_CONFIG: "/tmp/x.json" }), "/tmp/x.json");
  });

  it("is strict: a misspelt field is reported with its path", () => {
    assert.throws(
      () => parseConfig('{"profiles":{"a":{"regoin":"x"}}}', "c.json"),
      /c.json: profiles.a.regoin is not a known field/,
    );
    assert.throws(() => parseConfig('{"profile":{}}', "c.json"), /profile is not a known field/);
    assert.throws(() => parseConfig('{"profiles":{"a":{"region":1}}}', "c.json"), /profiles.a.region must be a string/);
    assert.throws(() => parseConfig("[", "c.json"), /not valid JSON/);
  });

  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sgplane-cli-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("saveProfile merges into the file and keeps it private (mode 600)", async () => {
    const path = join(dir, "nested", "config.json");
    assert.equal(await loadConfig(path), undefined);
    await saveProfile(path, "default", { publicKey: "a", privateKey: "b" }, true);
    await saveProfile(path, "default", { region: "cn-bj2" }, false);
    await saveProfile(path, "other", { baseUrl: "http://x" }, false);
    const saved = JSON.parse(await readFile(path, "utf8"));
    assert.deepEqual(saved, {
      defaultProfile: "default",
      profiles: { default: { publicKey: "a", privateKey: "b", region: "cn-bj2" }, other: { baseUrl: "http://x" } },
    });
    if (process.platform !== "win32") assert.equal((await stat(path)).mode & 0o777, 0o600);
  });
});
