// The world of the enforcement end-to-end tests: a lab host with three resources and two outside peers, and the
// seed that describes them to the server.
import type { Lab } from "./lab/index.ts";

export const ENDPOINTS = [
  { name: "web1" },
  { name: "web2" },
  { name: "db" },
  { name: "ext" },
  // Stands for UCloud's service network (100.64.0.0/10), which lab addresses may not use: the agent is started
  // with --service-network 198.19.255.0/24.
  { name: "svc", ipv4: "198.19.255.10", ipv6: "fd00:5367::ff:10" },
] as const;
export const SERVICE_NETWORK = "198.19.255.0/24";
export const PORTS = [22, 80, 5432, 8080, 8085, 9000];
export const KEY = { publicKey: "enforce-pub", privateKey: "enforce-priv" };
export const REGION = "cn-bj2";
export const RESOURCES = { web1: "uhost-web1", web2: "uhost-web2", db: "uhost-db" } as const;

type Rule = Record<string, string | number>;
const tcp = (port: string, from: string, priority: number, extra: Rule = {}): Rule => ({
  Direction: "Ingress",
  ProtocolType: "TCP",
  DstPort: port,
  IPRange: from,
  Priority: priority,
  RuleAction: "Accept",
  ...extra,
});

export function enforcementSeed(lab: Lab): object {
  const ep = (name: string) => lab.endpoint(name);
  const resource = (name: keyof typeof RESOURCES) => ({
    ResourceId: RESOURCES[name],
    ResourceType: "uhost",
    Region: REGION,
    ProjectId: "org-enforce",
    VPCId: "uvnet-enforce",
    Name: name,
    SecurityMode: "SecGroup",
    PrivateIp: ep(name).ipv4,
    EIP: [ep(name).ipv6],
  });
  const group = (SecGroupId: string, Rules: Rule[]) => ({
    SecGroupId,
    Region: REGION,
    ProjectId: "org-enforce",
    VPCId: "uvnet-enforce",
    Name: SecGroupId.replace("secgroup-", ""),
    Rules,
  });
  return {
    Regions: [REGION],
    Companies: [
      {
        CompanyId: 60001,
        Name: "enforce",
        Projects: [{ ProjectId: "org-enforce", Name: "Default", Default: true }],
        Users: [{ Name: "root", SubAccount: false, Keys: [{ PublicKey: KEY.publicKey, PrivateKey: KEY.privateKey }] }],
        VPCs: [{ VPCId: "uvnet-enforce", Region: REGION, ProjectId: "org-enforce", Name: "enforce" }],
        Resources: [resource("web1"), resource("web2"), resource("db")],
        SecGroups: [
          group("secgroup-web", [
            tcp("80", "0.0.0.0/0", 1),
            tcp("80", "::/0", 2, { IPVersion: "IPv6" }),
            tcp("22,8080-8090", `${ep("ext").ipv4}/32`, 3),
            {
              Direction: "Ingress",
              ProtocolType: "ICMP",
              DstPort: "",
              IPRange: "0.0.0.0/0",
              Priority: 4,
              RuleAction: "Accept",
            },
            {
              Direction: "Ingress",
              ProtocolType: "ICMPv6",
              DstPort: "",
              IPRange: "::/0",
              Priority: 5,
              RuleAction: "Accept",
              IPVersion: "IPv6",
            },
            {
              Direction: "Egress",
              ProtocolType: "TCP",
              DstPort: "9000",
              IPRange: "0.0.0.0/0",
              Priority: 1,
              RuleAction: "Drop",
            },
          ]),
          // Members reach each other's database port: IPRange is the group itself (a remote group).
          group("secgroup-db", [
            tcp("5432", "secgroup-db", 1),
            tcp("5432", "::/0", 2, { IPVersion: "IPv6", RuleAction: "Drop" }),
          ]),
          group("secgroup-deny", [tcp("80", "0.0.0.0/0", 100, { RuleAction: "Drop" })]),
          group("secgroup-quiet", [
            {
              Direction: "Egress",
              ProtocolType: "ALL",
              DstPort: "",
              IPRange: "0.0.0.0/0",
              Priority: 1,
              RuleAction: "Drop",
            },
          ]),
        ],
        Bindings: [
          { ResourceId: RESOURCES.web1, SecGroupId: "secgroup-web", Priority: 1 },
          { ResourceId: RESOURCES.web2, SecGroupId: "secgroup-web", Priority: 1 },
          { ResourceId: RESOURCES.db, SecGroupId: "secgroup-db", Priority: 1 },
        ],
      },
    ],
  };
}
