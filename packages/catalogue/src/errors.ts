// The RetCode catalogue: every error sgplane can answer, by name, with its code and message template.

export interface ErrorSpec {
  readonly retCode: number;
  /** `{name}` placeholders are filled from the error's parameters. */
  readonly message: string;
  readonly meaning: string;
  /** A client may safely retry this (transient); deterministic errors are not retryable. */
  readonly retryable: boolean;
  /** Where the code comes from: official UCloud docs, secondary sources, or our own proposal. */
  readonly origin: "official" | "secondary" | "proposed";
}

function err<M extends string>(
  retCode: number,
  message: M,
  meaning: string,
  origin: ErrorSpec["origin"],
  retryable = false,
): ErrorSpec & { readonly message: M } {
  return { retCode, message, meaning, origin, retryable };
}

export const errorCatalogue = {
  InternalError: err(
    150,
    "Service temporarily unavailable",
    "Unexpected server failure; retry later.",
    "official",
    true,
  ),
  TransactionConflict: err(
    150,
    "Service temporarily unavailable: concurrent update conflict on [{scope}], retry later",
    "A write kept conflicting with concurrent writes and its bounded retries ran out; nothing was changed.",
    "official",
    true,
  ),
  Throttled: err(
    153,
    "Request rate limit exceeded for key [{publicKey}]",
    "Too many requests for this key.",
    "official",
    true,
  ),
  MissingAction: err(160, "Missing Action", "The Action parameter is missing or empty.", "official"),
  ActionNotFound: err(161, "Action [{action}] not found", "The Action is not implemented.", "official"),
  MissingSignature: err(170, "Missing signature", "The Signature parameter is missing.", "official"),
  SignatureMismatch: err(171, "Signature VerifyAC Error", "The Signature does not match the request.", "official"),
  UserNotFound: err(172, "User not exist: {reason}", "PublicKey missing or not a known key.", "official"),
  TokenNotFound: err(174, "Token not exist: SecurityToken [{token}]", "SecurityToken present but unknown.", "official"),
  MissingParams: err(220, "Missing params [{name}]", "A required parameter is missing.", "secondary"),
  InvalidParams: err(
    230,
    "Params [{name}] not available: {reason}",
    "A parameter has a wrong type, range, format or combination.",
    "secondary",
  ),
  ProjectNotFound: err(
    292,
    "Project [{projectId}] not exist",
    "ProjectId is not a project of the caller's company.",
    "official",
  ),
  PermissionDenied: err(299, "Permission denied: {reason}", "The key is not allowed to do this.", "official"),
  SecGroupNotFound: err(
    8039,
    "SecGroup [{ids}] not exist",
    "A security group id is unknown in the caller's scope.",
    "secondary",
  ),
  RuleNotFound: err(
    8039,
    "Rule [{ids}] not exist in SecGroup [{secGroupId}]",
    "A rule id is not in the given group.",
    "secondary",
  ),
  ResourceNotFound: err(
    8039,
    "Resource [{ids}] not exist",
    "A resource id is not registered in the caller's scope.",
    "secondary",
  ),
  VPCNotFound: err(8039, "VPC [{vpcId}] not exist", "A VPC id is not registered in the caller's scope.", "secondary"),
  CompanyNotFound: err(8039, "Company [{companyId}] not exist", "Admin: the company does not exist.", "proposed"),
  SecGroupQuotaExceeded: err(
    58201,
    "SecGroup quota exceeded: company limit is {limit}",
    "Too many security groups in the company.",
    "proposed",
  ),
  RuleQuotaExceeded: err(
    58202,
    "SecGroup rule quota exceeded [{direction}]: limit is {limit} in [{secGroupId}]",
    "Too many rules in one direction of a group.",
    "proposed",
  ),
  RulePriorityConflict: err(
    58203,
    "Rule priority [{priority}] conflict in [{secGroupId}] {direction}",
    "Two rules of one group and direction share a priority.",
    "proposed",
  ),
  ResourceSecGroupQuotaExceeded: err(
    58204,
    "Resource [{resourceId}] secgroup quota exceeded: limit is {limit}",
    "A resource would have too many groups.",
    "proposed",
  ),
  BindingPriorityConflict: err(
    58205,
    "Resource [{resourceId}] priority [{priority}] conflict: already used by [{secGroupId}]",
    "Two groups on one resource share a priority.",
    "proposed",
  ),
  SecGroupBindingQuotaExceeded: err(
    58206,
    "SecGroup [{secGroupId}] binding quota exceeded: limit is {limit}",
    "A group would be bound to too many resources.",
    "proposed",
  ),
  SecGroupInUse: err(
    58207,
    "SecGroup [{secGroupId}] is in use by {count} resource(s)",
    "A bound group cannot be deleted.",
    "proposed",
  ),
  LastSecGroupOfResource: err(
    58208,
    "Resource [{resourceIds}] must keep at least one secgroup (use Force=true to unbind the last one)",
    "An unbind would leave a SecGroup-mode resource with no group.",
    "proposed",
  ),
  VPCMismatch: err(
    58209,
    "Resource [{resourceId}] not in VPC [{vpcId}] of SecGroup [{secGroupId}]",
    "Resource and group are in different VPCs.",
    "proposed",
  ),
  AssociateNotPermitted: err(
    58210,
    "Resource [{resourceId}] does not permit secgroup",
    "The resource is not in SecGroup mode.",
    "proposed",
  ),
  NotBound: err(
    58211,
    "SecGroup [{secGroupId}] is not bound to Resource [{resourceId}]",
    "Strict policy: unbinding a pair that is not bound.",
    "proposed",
  ),
  ResourceStillBound: err(
    58212,
    "Resource [{resourceId}] still bound to {count} secgroup(s) (use Force=true)",
    "Admin: deregistering a bound resource needs Force.",
    "proposed",
  ),
  FirewallNotFound: err(
    54002,
    "Firewall [{ids}] not exist",
    "A firewall id is unknown in the caller's scope (the Terraform provider reads 54002 as 'not there').",
    "secondary",
  ),
  FirewallInUse: err(
    4361,
    "Firewall [{fwId}] is in use by {count} resource(s)",
    "A firewall still granted to a resource cannot be deleted (UNet error code list).",
    "official",
  ),
  DefaultFirewallUndeletable: err(
    4358,
    "Firewall [{fwId}] is a default firewall ({type}) and cannot be deleted",
    "A project's recommended firewalls cannot be deleted (UNet error code list).",
    "official",
  ),
  FirewallNotPermitted: err(
    58213,
    "Resource [{resourceId}] is in SecGroup mode and takes no firewall",
    "GrantFirewall on a security-group-mode resource (one resource, one mode).",
    "proposed",
  ),
  FirewallNotGranted: err(
    58214,
    "Firewall [{fwId}] is not granted to Resource [{resourceId}]",
    "DisassociateFirewall of a pair that is not granted.",
    "proposed",
  ),
  FirewallRequired: err(
    58215,
    "Resource [{resourceId}] must keep a firewall: only a ULB may be left without one (grant another firewall, or SwitchToSecGroup)",
    "DisassociateFirewall on anything but a ULB (UCloud documents it for ULB only).",
    "proposed",
  ),
  FeedCursorExpired: err(
    58301,
    "Cursor [{cursor}] expired: the feed no longer holds events up to position {floor}; take a new snapshot (DescribeFeedSnapshot) and follow from its Cursor",
    "The position is older than the feed's retention window (Kubernetes' 410 Gone): re-list, then follow.",
    "proposed",
  ),
  FeedDisabled: err(
    58302,
    "The change feed is turned off on this server (--feed off)",
    "The server records no change events.",
    "proposed",
  ),
  AuditDisabled: err(
    58303,
    "The audit trail is turned off on this server (--audit off)",
    "The server records no audit trail.",
    "proposed",
  ),
  ClientTokenMismatch: err(
    58304,
    "Params [ClientToken] not available: token {token} was used for a different request ({action}, other parameters) within the last {ttl}; send a new ClientToken for a new request",
    "A ClientToken is reused with other parameters (or another action) within its time to live.",
    "proposed",
  ),
  SeedInvalid: err(230, "Params [{name}] not available: {reason}", "Admin: an imported state is invalid.", "proposed"),
} as const satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof errorCatalogue;

type PlaceholderNames<T extends string> = T extends `${string}{${infer P}}${infer Rest}`
  ? P | PlaceholderNames<Rest>
  : never;

/** The parameters a given error's message template needs, derived from the template itself. */
export type ErrorParams<N extends ErrorName> = {
  readonly [K in PlaceholderNames<(typeof errorCatalogue)[N]["message"]>]: string | number;
};

export function renderMessage(name: ErrorName, params: Readonly<Record<string, string | number>>): string {
  return errorCatalogue[name].message.replace(/\{(\w+)\}/g, (_, key: string) => String(params[key] ?? ""));
}

/** A catalogue error raised anywhere on the server; the encoder turns it into RetCode + Message. */
export class ApiError<N extends ErrorName = ErrorName> extends Error {
  readonly errorName: N;
  readonly retCode: number;
  constructor(name: N, params: ErrorParams<N>) {
    const message = renderMessage(name, params as Readonly<Record<string, string | number>>);
    // An answer to the client, not a fault: nothing reads its stack, and capturing one was ~2.9 µs, a tenth of what a
    // refused request costs the server (docs/performance.md). Stack capture is synchronous, so the limit is ours alone.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = "ApiError";
    this.errorName = name;
    this.retCode = errorCatalogue[name].retCode;
  }
}
