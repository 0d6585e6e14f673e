// The enforcement world running: a lab host, a server seeded with enforcement-world.ts and the real agent on it,
// for the end-to-end tests that change policy through the API and read the kernel's verdict.
import { SgplaneClient } from "@sgplane/sdk";
import { OPERATOR, type ServerProcess, startServer } from "../../server/test/harness.ts";
import type { AgentStatus } from "../src/agent.ts";
import { type AgentProcess, startAgent } from "./agent-process.ts";
import { ENDPOINTS, enforcementSeed, KEY, PORTS, REGION, RESOURCES, SERVICE_NETWORK } from "./enforcement-world.ts";
import { createLab, type Lab } from "./lab/index.ts";
import { type Expectation, expectTraffic, type TrafficWorld } from "./traffic.ts";

export interface EnforcementHost {
  readonly lab: Lab;
  readonly server: ServerProcess;
  readonly agent: AgentProcess;
  /** The enforce company's key. */
  readonly client: SgplaneClient;
  readonly operator: SgplaneClient;
  readonly world: TrafficWorld;
  /** Waits until the agent's host is in step with everything committed so far. */
  settled(): Promise<AgentStatus>;
  /** settled(), then every case checked three ways (expectation, kernel, evaluator). */
  traffic(...cases: Expectation[]): Promise<void>;
  /** Stops the agent and the server and removes the lab; safe after a partial start. */
  stop(): Promise<void>;
}

export async function startEnforcementHost(): Promise<EnforcementHost> {
  const lab = await createLab({ endpoints: [...ENDPOINTS], ports: PORTS });
  let server: ServerProcess | undefined;
  let agent: AgentProcess | undefined;
  const stop = async () => {
    await agent?.stop();
    await server?.stop();
    await lab.destroy();
  };
  try {
    server = await startServer({ seed: enforcementSeed(lab), args: ["--service-network", SERVICE_NETWORK] });
    const client = new SgplaneClient({ baseUrl: server.url, region: REGION, ...KEY });
    const operator = new SgplaneClient({ baseUrl: server.url, ...OPERATOR });
    const resources = Object.fromEntries(
      Object.entries(RESOURCES).map(([name, id]) => [id, lab.endpoint(name).hostInterface]),
    );
    const running = await startAgent({
      baseUrl: server.url,
      netns: lab.host.netns,
      resources,
      args: ["--service-network", SERVICE_NETWORK, "--drift-check", "0.5"],
    });
    agent = running;
    const world: TrafficWorld = { lab, client, resources: RESOURCES };
    const settled = async () => {
      const { Head } = await operator.describeFeedEvents({});
      return running.inStep(Head);
    };
    return {
      lab,
      server,
      agent: running,
      client,
      operator,
      world,
      settled,
      async traffic(...cases) {
        await settled();
        await expectTraffic(world, cases);
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => {});
    throw error;
  }
}
