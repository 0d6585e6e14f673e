// The network-namespace lab for the agent's real-packet tests (README.md).
export { GATEWAY_V4, GATEWAY_V6 } from "./addresses.ts";
export { CommandError, type ExecOptions, type ExecResult } from "./exec.ts";
export type { ExchangeOptions, ExchangeOutcome, HeldConnection } from "./held-connection.ts";
export {
  createLab,
  type EndpointSpec,
  type Family,
  type Lab,
  type LabEndpoint,
  type LabOptions,
  type LabStats,
  type Probe,
  type ProbeOptions,
  type ProbeOutcome,
} from "./lab.ts";
export { LAB_PREFIX, type LabAvailability, labAvailability, labSkipReason, sweepStaleLabs } from "./netns.ts";
