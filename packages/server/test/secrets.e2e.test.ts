// Private keys: never in the server's log (at the most verbose level, after creating keys, importing and exporting
// state, failing and succeeding), and in no answer except AdminCreateKey's and AdminExportState's to an operator.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { actionNames, catalogue } from "@sgplane/catalogue";
import { OPERATOR, type ServerProcess, startServer } from "./harness.ts";
import { A1, CO_A, KEYS, MAIN, WORLD } from "./isolation-world.ts";

let server: ServerProcess;
before(async () => {
  server = await startServer({ seed: WORLD, args: ["--log-level", "trace"] });
});
after(async () => {
  await server.stop();
});

const EXTRA_KEY = { publicKey: "secret-test-pub", privateKey: "secret-test-priv-0d9e4c1b7a" };
const IMPORTED_KEY = { publicKey: "imported-pub", privateKey: "imported-priv-5be2a9c0f1" };
/** Every private key the server knows by the end, including the ones it generates. */
const privateKeys = new Set<string>([
  ...Object.values(KEYS).map((k) => k.privateKey),
  EXTRA_KEY.privateKey,
  IMPORTED_KEY.privateKey,
]);
const answers: { who: string; action: string; text: string }[] = [];

async function send(key: { publicKey: string; privateKey: string }, action: string, params: Record<string, unknown>) {
  const { body } = await server.client(key, { projectId: A1 }).send(action, params);
  answers.push({ who: key.publicKey, action, text: JSON.stringify(body) });
  return body;
}

const op = (action: string, params: Record<string, unknown> = {}) => send(OPERATOR, action, params);

describe("secrets", () => {
  it("keys are created, imported, used, exported and refused", async () => {
    const generated = await op("AdminCreateKey", { CompanyId: CO_A, UserName: "gen" });
    assert.equal(generated.RetCode, 0);
    const key = (generated.Keys as { PublicKey: string; PrivateKey: string }[])[0];
    assert.ok(key && key.PrivateKey.length >= 20, "a private key is generated and returned to the operator");
    privateKeys.add(key.PrivateKey);
    const given = await op("AdminCreateKey", {
      CompanyId: CO_A,
      UserName: "given",
      Keys: [{ PublicKey: EXTRA_KEY.publicKey, PrivateKey: EXTRA_KEY.privateKey }],
    });
    assert.equal(given.RetCode, 0);
    const state = structuredClone(WORLD) as typeof WORLD & { Companies: { Users: object[] }[] };
    state.Companies[0]?.Users.push({
      Name: "imported",
      SubAccount: false,
      Keys: [{ PublicKey: IMPORTED_KEY.publicKey, PrivateKey: IMPORTED_KEY.privateKey }],
    });
    assert.equal((await op("AdminImportState", { State: state })).RetCode, 0);
    // An import that fails validation while carrying a private key.
    const broken = structuredClone(state);
    const user = broken.Companies[0]?.Users[2] as { Keys: { PrivateKey: string }[] } | undefined;
    assert.ok(user);
    user.Keys[0] = { PrivateKey: IMPORTED_KEY.privateKey };
    assert.equal((await op("AdminImportState", { State: broken })).RetCode, 230);
    const exported = await op("AdminExportState");
    assert.ok(JSON.stringify(exported).includes(IMPORTED_KEY.privateKey), "the operator's export carries keys");

    // The new keys work; wrong signatures with them fail.
    for (const k of [{ publicKey: key.PublicKey, privateKey: key.PrivateKey }, EXTRA_KEY, IMPORTED_KEY]) {
      assert.equal((await send(k, "DescribeSecGroup", {})).RetCode, 0);
      assert.equal((await send({ ...k, privateKey: "wrong" }, "DescribeSecGroup", {})).RetCode, 171);
    }
    // Every action with a company key, and with the operator key (admin ones with junk so they fail).
    for (const action of actionNames) {
      await send(KEYS.aRoot, action, {});
      await send(KEYS.aRoot, action, { SecGroupId: [MAIN.group], ResourceId: [MAIN.host], Limit: 100 });
      if (catalogue[action].scope === "operator" && action !== "AdminReset") await op(action, { CompanyId: "x" });
    }
  });

  it("no answer carries a private key, except AdminCreateKey and AdminExportState to the operator", () => {
    const allowed = new Set(["AdminCreateKey", "AdminExportState"]);
    for (const a of answers) {
      if (a.who === OPERATOR.publicKey && allowed.has(a.action)) continue;
      for (const secret of privateKeys) {
        assert.equal(a.text.includes(secret), false, `${a.action} answered ${a.who} with a private key: ${a.text}`);
      }
    }
    assert.ok(answers.length > 60);
  });

  it("the log (at trace level) carries no private key and no signature", async () => {
    await new Promise((r) => setTimeout(r, 200));
    const log = server.output();
    assert.ok(log.split("\n").length > answers.length, "one log line per request");
    for (const secret of privateKeys) assert.equal(log.includes(secret), false, `the log carries ${secret}`);
    assert.equal(/Signature|[0-9a-f]{40}/.test(log), false, "no signature in the log");
  });
});
