// Store rows → the wire states of feed events and snapshots (catalogue feed-models.ts): one mapping for both, so a
// follower that folds events from a snapshot's cursor ends with exactly what a later snapshot shows.
import type { feedModels } from "@sgplane/catalogue";
import { formatFirewallRule } from "../domain/firewall-rule.ts";
import type {
  BindingRow,
  CompanyRow,
  FirewallGrantRow,
  FirewallRow,
  KeyRef,
  ProjectRow,
  ResourceRow,
  RuleRow,
  SecGroupRow,
  UserRow,
  VpcRow,
} from "./port.ts";

export const secGroupState = (g: SecGroupRow): feedModels.SecGroupState => ({
  SecGroupId: g.secGroupId,
  Name: g.name,
  Remark: g.remark,
  Tag: g.tag,
  Type: g.type,
  VPCId: g.vpcId,
  CreateTime: g.createTime,
  CompanyId: g.companyId,
  ProjectId: g.projectId,
  Region: g.region,
});

export const ruleState = (r: RuleRow): feedModels.RuleState => ({
  RuleId: r.ruleId,
  SecGroupId: r.secGroupId,
  Direction: r.direction,
  ProtocolType: r.protocolType,
  DstPort: r.dstPort,
  IPRange: r.ipRange,
  Priority: r.priority,
  RuleAction: r.ruleAction,
  Remark: r.remark,
  IPVersion: r.ipVersion,
});

export const bindingState = (b: BindingRow): feedModels.BindingState => ({
  ResourceId: b.resourceId,
  SecGroupId: b.secGroupId,
  Priority: b.priority,
});

export const bindingId = (b: Pick<BindingRow, "resourceId" | "secGroupId">): string =>
  `${b.resourceId}/${b.secGroupId}`;

export const resourceState = (r: ResourceRow): feedModels.ResourceState => ({
  ResourceId: r.resourceId,
  ResourceType: r.resourceType,
  Name: r.name,
  VPCId: r.vpcId,
  SecurityMode: r.securityMode,
  PrivateIp: r.privateIp,
  EIP: [...r.eip],
  Zone: r.zone,
  SuperResourceId: r.superResourceId,
  CompanyId: r.companyId,
  ProjectId: r.projectId,
  Region: r.region,
});

export const companyState = (c: Omit<CompanyRow, "defaultProjectId">): feedModels.CompanyState => ({
  CompanyId: c.companyId,
  Name: c.name,
  SecGroupsPerCompany: c.quotas.SecGroupsPerCompany,
  SecGroupsPerResource: c.quotas.SecGroupsPerResource,
  ResourcesPerSecGroup: c.quotas.ResourcesPerSecGroup,
  RulesPerDirection: c.quotas.RulesPerDirection,
  DisassociateNotBound: c.notBoundPolicy,
});

export const projectState = (p: ProjectRow): feedModels.ProjectState => ({
  ProjectId: p.projectId,
  CompanyId: p.companyId,
  Name: p.name,
  Default: p.isDefault,
});

export const userState = (u: UserRow): feedModels.UserState => ({
  CompanyId: u.companyId,
  UserName: u.name,
  SubAccount: u.subAccount,
  Projects: [...u.projects],
});

export const keyState = (k: KeyRef): feedModels.KeyState => ({
  PublicKey: k.publicKey,
  CompanyId: k.companyId,
  UserName: k.userName,
});

export const vpcState = (v: VpcRow): feedModels.VPCState => ({
  VPCId: v.vpcId,
  CompanyId: v.companyId,
  ProjectId: v.projectId,
  Region: v.region,
  Name: v.name,
});

export const firewallState = (f: FirewallRow): feedModels.FirewallState => ({
  FWId: f.fwId,
  Name: f.name,
  Tag: f.tag,
  Remark: f.remark,
  Type: f.type,
  CreateTime: f.createTime,
  Rules: f.rules.map(formatFirewallRule),
  CompanyId: f.companyId,
  ProjectId: f.projectId,
  Region: f.region,
});

export const firewallGrantState = (g: FirewallGrantRow): feedModels.FirewallGrantState => ({
  ResourceId: g.resourceId,
  FWId: g.fwId,
});
