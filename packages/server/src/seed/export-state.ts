// Reads the state back in the seed format (AdminExportState), so export → import round-trips.
import type { seed } from "@sgplane/catalogue";
import { formatFirewallRule } from "../domain/firewall-rule.ts";
import type { ReadTx } from "../store/port.ts";

export async function exportState(tx: ReadTx, onlyCompanyId?: number): Promise<seed.SeedFile> {
  const all = await tx.companies();
  const companies = onlyCompanyId === undefined ? all : all.filter((c) => c.companyId === onlyCompanyId);
  const out: seed.SeedCompany[] = [];
  for (const c of companies) {
    const groups = await tx.secGroupsOf(c.companyId);
    const groupIds = groups.map((g) => g.secGroupId);
    const rules = await tx.rulesOf(groupIds);
    const bindings = await tx.bindingsOfSecGroups(groupIds);
    const grants = await tx.firewallGrantsOf(c.companyId);
    const firewalls = await tx.firewallsOf(c.companyId);
    out.push({
      CompanyId: c.companyId,
      Name: c.name,
      Projects: (await tx.projectsOf(c.companyId)).map((p) => ({
        ProjectId: p.projectId,
        Name: p.name,
        Default: p.isDefault,
      })),
      Users: [...(await tx.usersOf(c.companyId))],
      Quotas: { ...c.quotas },
      Policies: { DisassociateNotBound: c.notBoundPolicy },
      VPCs: (await tx.vpcsOf(c.companyId)).map((v) => ({
        VPCId: v.vpcId,
        Region: v.region,
        ProjectId: v.projectId,
        Name: v.name,
      })),
      Resources: (await tx.resourcesOf(c.companyId)).map((r) => ({
        ResourceId: r.resourceId,
        ResourceType: r.resourceType,
        Region: r.region,
        ProjectId: r.projectId,
        VPCId: r.vpcId,
        Name: r.name,
        SecurityMode: r.securityMode,
        PrivateIp: r.privateIp,
        Zone: r.zone,
        EIP: [...r.eip],
        ...(r.superResourceId === "" ? {} : { SuperResourceId: r.superResourceId }),
      })),
      SecGroups: groups.map((g) => ({
        SecGroupId: g.secGroupId,
        Region: g.region,
        ProjectId: g.projectId,
        VPCId: g.vpcId,
        Name: g.name,
        Remark: g.remark,
        Tag: g.tag,
        Type: g.type,
        CreateTime: g.createTime,
        Rules: rules
          .filter((r) => r.secGroupId === g.secGroupId)
          .map((r) => ({
            RuleId: r.ruleId,
            Direction: r.direction,
            ProtocolType: r.protocolType as seed.SeedRule["ProtocolType"],
            DstPort: r.dstPort,
            IPRange: r.ipRange,
            Priority: r.priority,
            RuleAction: r.ruleAction,
            Remark: r.remark,
            IPVersion: r.ipVersion,
          })),
      })),
      Bindings: bindings.map((b) => ({ ResourceId: b.resourceId, SecGroupId: b.secGroupId, Priority: b.priority })),
      // Only when there are any: exports of worlds without firewalls stay as they were.
      ...(firewalls.length > 0 && {
        Firewalls: firewalls.map((f) => ({
          FWId: f.fwId,
          Region: f.region,
          ProjectId: f.projectId,
          Name: f.name,
          Remark: f.remark,
          Tag: f.tag,
          Type: f.type,
          CreateTime: f.createTime,
          Rules: f.rules.map(formatFirewallRule),
          Resources: grants.filter((g) => g.fwId === f.fwId).map((g) => g.resourceId),
        })),
      }),
    });
  }
  return { Regions: [...(await tx.regions())], Companies: out };
}
