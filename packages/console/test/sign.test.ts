// The browser's signer (Web Crypto) and the SDK's (node:crypto) give the same Signature for the same call.
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { Client } from "@sgplane/sdk";
import { formBody, signedParams } from "../src/api/sign.ts";

const KEY = {
  publicKey: "ucloudsomeone@example.com1296235120854146120",
  privateKey: "46f09bb9fab4f12dfc160dae12273d5332b5debe",
};

const CALLS: readonly [string, Record<string, unknown>][] = [
  ["DescribeSecGroup", { Offset: 0, Limit: 20 }],
  [
    "CreateSecGroupRule",
    {
      SecGroupId: "secgroup-x",
      Rule: [
        {
          Direction: "Ingress",
          ProtocolType: "TCP",
          DstPort: "80,443",
          IPRange: "0.0.0.0/0",
          Priority: 1,
          RuleAction: "Accept",
          Remark: "web 中文",
        },
        {
          Direction: "Egress",
          ProtocolType: "ALL",
          IPRange: "::/0",
          Priority: 200,
          RuleAction: "Drop",
          IPVersion: "IPv6",
        },
      ],
    },
  ],
  ["DisassociateSecGroup", { SecGroupId: ["secgroup-a"], ResourceId: ["uhost-1", "uhost-2"], Force: true }],
  ["AssociateSecGroup", { ResourceId: ["uhost-1"], PrioritySecGroup: [{ SecGroupId: "secgroup-a", Priority: 2 }] }],
  ["DescribeAuditRecords", { StartTime: 1_700_000_000_123, Failed: false, Actions: ["A", "B"] }],
];

describe("browser signing = SDK signing", () => {
  for (const [action, params] of CALLS) {
    it(`${action}: same parameters, same Signature`, async () => {
      const sdk = new Client({ baseUrl: "http://x/", ...KEY, region: "cn-bj2", projectId: "org-1" }).signedParams(
        action,
        params,
      );
      const browser = await signedParams(action, params, KEY, { region: "cn-bj2", projectId: "org-1" });
      assert.match(String(browser.Signature), /^[0-9a-f]{40}$/);
      assert.deepEqual(browser, sdk);
    });
  }
  it("a different private key gives a different Signature, and the body never carries the private key", async () => {
    const a = await signedParams("DescribeSecGroup", {}, KEY, { region: "cn-bj2" });
    const b = await signedParams("DescribeSecGroup", {}, { ...KEY, privateKey: "other" }, { region: "cn-bj2" });
    assert.notEqual(a.Signature, b.Signature);
    assert.ok(!formBody(a).includes(KEY.privateKey));
    assert.equal(new URLSearchParams(formBody(a)).get("PublicKey"), KEY.publicKey);
  });
});
