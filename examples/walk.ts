// A newcomer's walk through the API against a running `npm start` (examples/seed.json): run with
//   node --import tsx examples/walk.ts [http://127.0.0.1:8080]
import { Client, RetCodeError } from "@sgplane/sdk";

const client = new Client({
  baseUrl: process.argv[2] ?? "http://127.0.0.1:8080",
  publicKey: "demo-public-key",
  privateKey: "demo-private-key",
  region: "cn-bj2",
});

async function step(title: string, action: string, params: Record<string, unknown>) {
  try {
    const res = await client.call(action, params);
    console.log(`✔ ${title}\n  ${JSON.stringify(res)}`);
  } catch (error) {
    if (!(error instanceof RetCodeError)) throw error;
    console.log(`✘ ${title}\n  RetCode ${error.retCode}: ${error.apiMessage}`);
  }
}

await step("describe the demo groups", "DescribeSecGroup", { VPCId: "uvnet-demo01" });
await step("which groups protect web-2?", "DescribeResourceSecGroup", { ResourceId: ["uhost-demo02"] });
await step("bind monitoring to web-2 at priority 2", "AssociateSecGroup", {
  ResourceId: ["uhost-demo02"],
  PrioritySecGroup: [{ SecGroupId: "secgroup-demo02", Priority: 2 }],
});
await step("unbind web from web-2 (monitoring remains)", "DisassociateSecGroup", {
  SecGroupId: ["secgroup-demo01"],
  ResourceId: ["uhost-demo02"],
});
await step("unbind the last group of web-2: refused without Force", "DisassociateSecGroup", {
  ResourceId: ["uhost-demo02"],
});
await step("put web back at priority 1", "AssociateSecGroup", {
  ResourceId: ["uhost-demo02"],
  PrioritySecGroup: [{ SecGroupId: "secgroup-demo01", Priority: 1 }],
});
await step("and remove monitoring again", "DisassociateSecGroup", {
  SecGroupId: ["secgroup-demo02"],
  ResourceId: ["uhost-demo02"],
});
