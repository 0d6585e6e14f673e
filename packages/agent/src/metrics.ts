// The agent's /metrics (Prometheus text format).
import { Counter, Gauge, Histogram, Registry } from "prom-client";

export function agentMetrics() {
  const registry = new Registry();
  const of = { registers: [registry] };
  return {
    registry,
    appliedPosition: new Gauge({
      name: "sgplane_agent_applied_position",
      help: "Feed position the host's rules are at.",
      ...of,
    }),
    feedHead: new Gauge({
      name: "sgplane_agent_feed_head",
      help: "The feed's latest position at the last answer.",
      ...of,
    }),
    lagEvents: new Gauge({
      name: "sgplane_agent_lag_events",
      help: "Feed positions not yet applied (head - applied).",
      ...of,
    }),
    lagSeconds: new Gauge({
      name: "sgplane_agent_lag_seconds",
      help: "Seconds from the commit of the last applied event to its apply.",
      ...of,
    }),
    applyDuration: new Histogram({
      name: "sgplane_agent_apply_duration_seconds",
      help: "Time to render and apply one change to the host (one nft transaction).",
      labelNames: ["kind"],
      buckets: [0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      ...of,
    }),
    applies: new Counter({
      name: "sgplane_agent_applies_total",
      help: "Rulesets applied.",
      labelNames: ["kind"],
      ...of,
    }),
    errors: new Counter({
      name: "sgplane_agent_errors_total",
      help: "Failures, by stage.",
      labelNames: ["stage"],
      ...of,
    }),
    restores: new Counter({
      name: "sgplane_agent_drift_restores_total",
      help: "Times the table was found changed or missing and applied again.",
      ...of,
    }),
    resources: new Gauge({
      name: "sgplane_agent_resources",
      help: "Resources of the host file that are filtered.",
      ...of,
    }),
    rules: new Gauge({ name: "sgplane_agent_rules", help: "nftables rules in the agent's table.", ...of }),
  };
}

export type AgentMetrics = ReturnType<typeof agentMetrics>;
