// The agent's own HTTP endpoint: /healthz (200 while the host is in step, 503 after a failure) and /metrics.
import { createServer, type Server } from "node:http";
import type { AgentStatus } from "./agent.ts";
import type { AgentMetrics } from "./metrics.ts";

export async function startStatusServer(
  listen: { host: string; port: number },
  status: () => AgentStatus,
  metrics: AgentMetrics,
): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET") {
      res.writeHead(405).end();
    } else if (path === "/healthz") {
      const s = status();
      res.writeHead(s.ok ? 200 : 503, { "content-type": "application/json" }).end(JSON.stringify(s));
    } else if (path === "/metrics") {
      metrics.registry.metrics().then(
        (text) => res.writeHead(200, { "content-type": metrics.registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : listen.port;
  return { server, url: `http://${listen.host.includes(":") ? `[${listen.host}]` : listen.host}:${port}` };
}
