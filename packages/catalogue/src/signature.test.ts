// Golden signature vectors of secgroup-api.md §1.5.3 (SDK tests, docs) and §1.5.4 (captured from real SDKs).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { type ParamValue, sign, signatureMatches, stringToSign } from "./signature.ts";

const PUB = "ucloudsomeone@example.com1296235120854146120";
const PRIV = "46f09bb9fab4f12dfc160dae12273d5332b5debe";

const V2 = {
  Action: "CreateUHostInstance",
  CPU: "2",
  ChargeType: "Month",
  DiskSpace: "10",
  ImageId: "f43736e1-65a5-4bea-ad2e-8a46e18883c2",
  LoginMode: "Password",
  Memory: "2048",
  Name: "Host01",
  Password: "VUNsb3VkLmNu",
  Quantity: "1",
  Region: "cn-bj2",
  Zone: "cn-bj2-04",
  PublicKey: PUB,
};

const backends: Record<string, string> = {};
for (let i = 0; i < 12; i++) backends[`Backends.${i}`] = ["foo", "bar", "42"][i % 3] as string;

const S2a = {
  Action: "CreateSecGroupRule",
  ProjectId: "org-test",
  PublicKey: PUB,
  Region: "cn-bj2",
  "Rule.0.Direction": "Ingress",
  "Rule.0.DstPort": "22",
  "Rule.0.IPRange": "0.0.0.0/0",
  "Rule.0.Priority": "1",
  "Rule.0.ProtocolType": "TCP",
  "Rule.0.Remark": "ssh",
  "Rule.0.RuleAction": "Accept",
  "Rule.1.Direction": "Egress",
  "Rule.1.DstPort": "1-65535",
  "Rule.1.IPRange": "0.0.0.0/0",
  "Rule.1.IPVersion": "IPv4",
  "Rule.1.Priority": "200",
  "Rule.1.ProtocolType": "ALL",
  "Rule.1.RuleAction": "Drop",
  SecGroupId: "secgroup-abc123",
};

const vectors: ReadonlyArray<[string, Record<string, ParamValue>, string, string?]> = [
  [
    "V1 docs",
    { Action: "DescribeUHostInstance", Region: "cn-bj2", Limit: "10", PublicKey: PUB },
    "cba5cf5ec4d4233d206b1b54951e3787350a642f",
  ],
  ["V2 Go/Python", V2, "4f9ef5df2abab2c6fccd1e9515cb7e2df8c6bb65"],
  [
    "V3 long array",
    { Action: "AllocateBackendBatch", ...backends, PublicKey: PUB },
    "6bc32642779f8cb0bb3d3f128b1c0688abf9a1a3",
  ],
  ["V4 STS", { ...V2, SecurityToken: "some_stoken" }, "170c480ad176a247b324eb92a2cfe536aacfbd04"],
  [
    "V5 Go encoder",
    {
      Action: "foo",
      Name: "foo",
      ProjectId: "bar",
      Region: "cn-bj2",
      Zone: "cn-bj2-02",
      SecurityToken: "42",
      PublicKey: "foo",
    },
    "170de002e3ca3acdc3a790badc4d14b09d183e4b",
    "bar",
  ],
  ["V6a python no PublicKey", { foo: "bar" }, "634edc1bb957c0d65e5ab5494cf3b7784fbc87af", "my_private_key"],
  [
    "V6b python",
    { foo: "bar", PublicKey: "my_public_key" },
    "d4411ab30953fb0bbcb1e7313081f05e4e91a394",
    "my_private_key",
  ],
  [
    "S1 DisassociateSecGroup form",
    {
      Action: "DisassociateSecGroup",
      Force: "true",
      ProjectId: "org-test",
      PublicKey: PUB,
      Region: "cn-bj2",
      "ResourceId.0": "uhost-1",
      "SecGroupId.0": "secgroup-a",
      "SecGroupId.1": "secgroup-b",
    },
    "c5ea60114b9ecdc86f03ea1003197836ab3787d0",
  ],
  [
    "S1 JS flat JSON (native boolean)",
    {
      Action: "DisassociateSecGroup",
      Region: "cn-bj2",
      ProjectId: "org-test",
      "SecGroupId.0": "secgroup-a",
      "SecGroupId.1": "secgroup-b",
      "ResourceId.0": "uhost-1",
      Force: true,
      PublicKey: PUB,
    },
    "c5ea60114b9ecdc86f03ea1003197836ab3787d0",
  ],
  ["S2a Go omits empty Remark", S2a, "34a303ec65de343e4c048c93fb5729de5a5dff95"],
  ["S2b Python sends empty Remark", { ...S2a, "Rule.1.Remark": "" }, "9dde3cdd48d45b525f591e15520fd5f1e02206a7"],
  [
    "S3 UpdateSecGroup",
    {
      Action: "UpdateSecGroup",
      Name: "new-name",
      ProjectId: "org-test",
      PublicKey: PUB,
      Region: "cn-bj2",
      Remark: "new remark",
      SecGroupId: "secgroup-a",
    },
    "6d4b7d6d28cc1dd8e7c2c61a8fbb18b1ae633842",
  ],
  [
    "S4 CreateSecGroup UTF-8",
    { Action: "CreateSecGroup", Name: "测试-安全组 1", PublicKey: PUB, Region: "cn-bj2", VPCID: "uvnet-abc" },
    "f70c7df2ac1f54c749ab9f9e7398852f0d60aef1",
  ],
  [
    "S5 Go JSON native arrays",
    {
      Action: "DisassociateSecGroup",
      Force: true,
      ProjectId: "org-test",
      PublicKey: PUB,
      Region: "cn-bj2",
      ResourceId: ["uhost-1"],
      SecGroupId: ["secgroup-a", "secgroup-b"],
    },
    "ffdaf4319b4e23f72c61858dc9af63b44098575d",
  ],
  [
    "S6 Go JSON nested object",
    {
      Action: "CreateSecGroupRule",
      ProjectId: "org-test",
      PublicKey: PUB,
      Region: "cn-bj2",
      Rule: [
        {
          Direction: "Ingress",
          DstPort: "22",
          IPRange: "0.0.0.0/0",
          Priority: 1,
          ProtocolType: "TCP",
          Remark: "ssh",
          RuleAction: "Accept",
        },
      ],
      SecGroupId: "secgroup-abc123",
    },
    "7968d970ec68bcffe7c1df0c6216ea5d211f6b03",
  ],
  [
    "S7 Go JSON null slice",
    {
      Action: "DisassociateSecGroup",
      Force: true,
      PublicKey: PUB,
      Region: "cn-bj2",
      ResourceId: ["uhost-1"],
      SecGroupId: null,
    },
    "ee9d99bcf10896d4e791f8168225f994f740361f",
  ],
];

describe("signature golden vectors", () => {
  for (const [name, params, expected, priv] of vectors) {
    it(name, () => {
      assert.equal(sign(params, priv ?? PRIV), expected);
      assert.ok(signatureMatches(expected.toUpperCase(), expected));
    });
  }

  it("string to sign of V1 and V3 matches the spec text", () => {
    assert.equal(
      stringToSign({ Action: "DescribeUHostInstance", Region: "cn-bj2", Limit: "10", PublicKey: PUB }),
      `ActionDescribeUHostInstanceLimit10PublicKey${PUB}Regioncn-bj2`,
    );
    assert.equal(
      stringToSign({ Action: "AllocateBackendBatch", ...backends, PublicKey: PUB }),
      `ActionAllocateBackendBatchBackends.0fooBackends.1barBackends.10barBackends.1142Backends.242Backends.3fooBackends.4barBackends.542Backends.6fooBackends.7barBackends.842Backends.9fooPublicKey${PUB}`,
    );
  });

  it("excludes Signature and rejects a wrong or truncated one", () => {
    const good = sign({ foo: "bar", PublicKey: "my_public_key" }, "my_private_key");
    assert.equal(sign({ foo: "bar", PublicKey: "my_public_key", Signature: "x" }, "my_private_key"), good);
    assert.equal(signatureMatches(good.slice(1), good), false);
    assert.equal(signatureMatches(`${good.slice(0, -1)}0`, good), good.endsWith("0"));
  });
});

describe("signatureMatches (constant-time compare)", () => {
  const expected = sign({ Action: "DescribeSecGroup", PublicKey: PUB }, PRIV);

  it("never throws on a received signature of another length, and answers false", () => {
    // timingSafeEqual throws on buffers of different lengths; the compare must guard that, not the caller.
    const received = [
      "",
      "0",
      expected.slice(0, 39),
      `${expected}0`,
      expected.repeat(100),
      "é".repeat(40), // 40 characters, 80 UTF-8 bytes
      "\uD800".repeat(40), // lone surrogates, 40 code units
      "İ".repeat(40), // lower-cases to two code units each
      "\u0000".repeat(40),
    ];
    for (const r of received) {
      assert.doesNotThrow(() => signatureMatches(r, expected), `length ${r.length}`);
      assert.equal(signatureMatches(r, expected), false, `length ${r.length}`);
    }
  });

  it("accepts the signature in any letter case, rejects any one-character change", () => {
    assert.equal(signatureMatches(expected, expected), true);
    assert.equal(signatureMatches(expected.toUpperCase(), expected), true);
    for (let i = 0; i < expected.length; i++) {
      const c = expected[i] === "0" ? "1" : "0";
      assert.equal(signatureMatches(expected.slice(0, i) + c + expected.slice(i + 1), expected), false, `at ${i}`);
    }
  });
});
