// A small world for the firewall tests: one company, hosts in Firewall mode, a ULB, and one SecGroup-mode host.
import { defaultFirewallId } from "../src/domain/default-firewalls.ts";

export const FW_KEY = { publicKey: "fw-root-pub", privateKey: "fw-root-priv-0c1d" };
export const FW_SCOPE = { companyId: 91001, projectId: "org-fw1", region: "cn-bj2" };
export const WEB_ID = defaultFirewallId(FW_SCOPE, "recommend web");
export const NON_WEB_ID = defaultFirewallId(FW_SCOPE, "recommend non web");

const place = { Region: "cn-bj2", ProjectId: "org-fw1", VPCId: "uvnet-fw1" };
const host = (ResourceId: string, SecurityMode: string, ResourceType = "uhost") => ({
  ResourceId,
  ResourceType,
  ...place,
  Name: `name-${ResourceId}`,
  SecurityMode,
  PrivateIp: "10.20.0.2",
  Zone: 4001,
});

export const FIREWALL_WORLD = {
  Regions: ["cn-bj2", "cn-sh2"],
  Companies: [
    {
      CompanyId: FW_SCOPE.companyId,
      Name: "fw-co",
      Projects: [{ ProjectId: "org-fw1", Name: "Default", Default: true }],
      Users: [
        { Name: "root", SubAccount: false, Keys: [{ PublicKey: FW_KEY.publicKey, PrivateKey: FW_KEY.privateKey }] },
      ],
      VPCs: [{ VPCId: "uvnet-fw1", Region: "cn-bj2", ProjectId: "org-fw1", Name: "fw" }],
      Resources: [
        host("uhost-fw1", "Firewall"),
        host("uhost-fw2", "Firewall"),
        host("ulb-fw1", "Firewall", "ulb"),
        host("uhost-sg1", "SecGroup"),
      ],
      SecGroups: [{ SecGroupId: "secgroup-fw1", ...place, Name: "sg", CreateTime: 1_750_000_000 }],
      Bindings: [{ ResourceId: "uhost-sg1", SecGroupId: "secgroup-fw1", Priority: 1 }],
    },
  ],
};

/** The two defaults as DescribeFirewall shows them before anyone wrote them. */
export const DEFAULTS = [
  {
    FWId: WEB_ID,
    GroupId: WEB_ID,
    Name: "Web recommendation",
    Tag: "Default",
    Remark: "open tcp port:22,3389,80,443 and icmp",
    ResourceCount: 0,
    CreateTime: 0,
    Type: "recommend web",
    Rule: ["22", "3389", "80", "443"]
      .map((DstPort) => ({ ProtocolType: "TCP", DstPort }))
      .concat([{ ProtocolType: "ICMP", DstPort: "" }])
      .map((r) => ({ SrcIP: "0.0.0.0/0", Priority: "HIGH", ...r, RuleAction: "ACCEPT", Remark: "" })),
  },
  {
    FWId: NON_WEB_ID,
    GroupId: NON_WEB_ID,
    Name: "Non-web recommendation",
    Tag: "Default",
    Remark: "open tcp port:22,3389 and icmp",
    ResourceCount: 0,
    CreateTime: 0,
    Type: "recommend non web",
    Rule: ["22", "3389"]
      .map((DstPort) => ({ ProtocolType: "TCP", DstPort }))
      .concat([{ ProtocolType: "ICMP", DstPort: "" }])
      .map((r) => ({ SrcIP: "0.0.0.0/0", Priority: "HIGH", ...r, RuleAction: "ACCEPT", Remark: "" })),
  },
];
