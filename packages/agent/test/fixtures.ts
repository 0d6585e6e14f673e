// Builders of feed states for the agent's tests.
import type { feedModels } from "@sgplane/catalogue";
import type { FeedEvent } from "@sgplane/sdk";

export function resource(
  ResourceId: string,
  PrivateIp: string,
  extra: Partial<feedModels.ResourceState> = {},
): feedModels.ResourceState {
  return {
    ResourceId,
    ResourceType: "uhost",
    Name: ResourceId,
    VPCId: "uvnet-t",
    SecurityMode: "SecGroup",
    PrivateIp,
    EIP: [],
    Zone: 0,
    SuperResourceId: "",
    CompanyId: 1,
    ProjectId: "org-t",
    Region: "cn-bj2",
    ...extra,
  };
}

export function rule(
  RuleId: string,
  SecGroupId: string,
  fields: Partial<Omit<feedModels.RuleState, "RuleId" | "SecGroupId">> = {},
): feedModels.RuleState {
  return {
    RuleId,
    SecGroupId,
    Direction: "Ingress",
    ProtocolType: "TCP",
    DstPort: "22",
    IPRange: "0.0.0.0/0",
    Priority: 1,
    RuleAction: "Accept",
    Remark: "",
    IPVersion: "IPv4",
    ...fields,
  };
}

export const binding = (ResourceId: string, SecGroupId: string, Priority: number): feedModels.BindingState => ({
  ResourceId,
  SecGroupId,
  Priority,
});

export function firewall(FWId: string, Rules: string[]): feedModels.FirewallState {
  return {
    FWId,
    Name: FWId,
    Tag: "Default",
    Remark: "",
    Type: "user defined",
    CreateTime: 0,
    Rules,
    CompanyId: 1,
    ProjectId: "org-t",
    Region: "cn-bj2",
  };
}

export const grant = (ResourceId: string, FWId: string): feedModels.FirewallGrantState => ({ ResourceId, FWId });

let position = 0;
export function event(
  Kind: "Rule" | "Binding" | "Resource" | "SecGroup" | "Firewall" | "FirewallGrant",
  Change: "Created" | "Updated" | "Deleted",
  State: object,
): FeedEvent {
  position++;
  return {
    Position: position,
    Cursor: `0123456789abcdef-${position}`,
    Time: Date.now(),
    Type: `${Kind}${Change}`,
    Kind,
    Change,
    ObjectId: "",
    RequestId: "test",
    Action: "Test",
    State: State as FeedEvent["State"],
  };
}
