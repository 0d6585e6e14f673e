// Prometheus metrics: requests by action and RetCode, and a latency histogram.
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  observe(action: string, retCode: number, seconds: number): void;
}

/** Values read when /metrics is scraped. */
export interface MetricSources {
  readonly feedHead?: () => number;
  readonly feedStreams?: () => number;
  readonly auditDropped?: () => number;
}

export function createMetrics(sources: MetricSources = {}): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "sgplane_" });
  const gauge = (name: string, help: string, read: (() => number) | undefined) => {
    if (read === undefined) return;
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  };
  gauge("sgplane_feed_head_position", "The latest feed position this server has read.", sources.feedHead);
  gauge("sgplane_feed_streams", "Open GET /feed streams.", sources.feedStreams);
  gauge(
    "sgplane_audit_dropped_records",
    "Audit records dropped because the database kept refusing them.",
    sources.auditDropped,
  );
  const requests = new Counter({
    name: "sgplane_requests_total",
    help: "API requests by action and RetCode.",
    labelNames: ["action", "ret_code"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "sgplane_request_duration_seconds",
    help: "API request latency, from the request's headers to its reply handed to the socket.",
    labelNames: ["action"] as const,
    // Finer between 5 and 25 ms, where the p99 targets lie: the bench reads each round's p99 bucket off this histogram.
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [registry],
  });
  // Labelled children looked up once per (action, RetCode): prom-client hashes the label object on every call.
  const children = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();
  return {
    registry,
    observe(action, retCode, seconds) {
      const key = `${action} ${retCode}`;
      let child = children.get(key);
      if (child === undefined) {
        child = { count: requests.labels(action, String(retCode)), latency: latency.labels(action) };
        children.set(key, child);
      }
      child.count.inc();
      child.latency.observe(seconds);
    },
  };
}
