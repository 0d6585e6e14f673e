// End to end: a resource in Firewall mode on a lab host, filtered by the UNet firewall granted to it. db leaves its
// groups and goes to Firewall mode (closed inbound until a firewall is granted), then a firewall is granted, its rules
// replaced by UpdateFirewall, and GrantFirewall swaps it for another and for a default firewall. After every call the
// kernel, the test's expectation and the evaluator (CheckSecGroupPacket) agree on every packet.
import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { type EnforcementHost, startEnforcementHost } from "./enforcement-host.ts";
import { RESOURCES } from "./enforcement-world.ts";
import { labSkipReason } from "./lab/index.ts";
import { drop, pass } from "./traffic.ts";

const skip = await labSkipReason();

describe("firewall mode end to end: server, agent, lab host", { skip, timeout: 180_000 }, () => {
  let host: EnforcementHost | undefined;
  before(async () => {
    host = await startEnforcementHost();
  });
  after(() => host?.stop());

  it("a port opens and closes as UpdateFirewall changes the rules and GrantFirewall swaps firewalls", async () => {
    assert.ok(host);
    const { lab, client, operator, traffic } = host;
    const web1 = lab.endpoint("web1").ipv4;
    const grant = (FWId: string) => client.grantFirewall({ FWId, ResourceType: "uhost", ResourceId: RESOURCES.db });

    // Out of its groups and into Firewall mode with no firewall granted: closed to new inbound connections.
    await client.disassociateSecGroup({ ResourceId: [RESOURCES.db], Force: true });
    await operator.adminUpdateResource({ ResourceId: RESOURCES.db, SecurityMode: "Firewall" });
    await traffic(
      drop("web1", "db", "tcp", 5432),
      drop("ext", "db", "ping"),
      pass("db", "ext", "tcp", 8080),
      pass("svc", "db", "tcp", 5432),
    );

    const { FWId: first } = await client.createFirewall({
      Name: "db-first",
      Rule: [`TCP|5432|${web1}|ACCEPT|LOW|web1 to postgres`, "ICMP||0.0.0.0/0|ACCEPT|HIGH|"],
    });
    await grant(first);
    await traffic(
      pass("web1", "db", "tcp", 5432),
      drop("web2", "db", "tcp", 5432),
      drop("web1", "db", "tcp", 8080),
      drop("web1", "db", "udp", 5432),
      pass("ext", "db", "ping"),
      // Firewall rules are IPv4: inbound IPv6 meets no rule. Outbound is never filtered.
      drop("web1", "db", "tcp", 5432, 6),
      pass("db", "ext", "tcp", 9000),
      pass("db", "ext", "udp", 9000, 6),
    );

    // UpdateFirewall replaces the rules: a MEDIUM DROP now beats the LOW ACCEPT of 5432; 8080 opens (a range).
    await client.updateFirewall({
      FWId: first,
      Rule: [
        `TCP|5432|${web1}|ACCEPT|LOW|`,
        "TCP|5432|198.18.0.0/15|DROP|MEDIUM|",
        "TCP|8000-8085|0.0.0.0/0|ACCEPT|HIGH|",
      ],
    });
    await traffic(
      drop("web1", "db", "tcp", 5432),
      pass("web1", "db", "tcp", 8080),
      pass("ext", "db", "tcp", 8085),
      drop("ext", "db", "ping"),
    );
    // Inside one priority DROP beats ACCEPT, whatever their order in the list.
    await client.updateFirewall({
      FWId: first,
      Rule: ["TCP|8080|0.0.0.0/0|ACCEPT|HIGH|", `TCP|8080|${web1}/32|DROP|HIGH|`],
    });
    await traffic(drop("web1", "db", "tcp", 8080), pass("web2", "db", "tcp", 8080), drop("web2", "db", "tcp", 8085));

    // GrantFirewall swaps the firewall: the old one's ports close, the new one's open.
    const { FWId: second } = await client.createFirewall({
      Name: "db-second",
      Rule: ["UDP|9000|0.0.0.0/0|ACCEPT|MEDIUM|", "TCP|22|0.0.0.0/0|ACCEPT|MEDIUM|"],
    });
    await grant(second);
    await traffic(
      drop("web2", "db", "tcp", 8080),
      pass("web2", "db", "udp", 9000),
      pass("ext", "db", "tcp", 22),
      drop("ext", "db", "tcp", 80),
    );

    // A default firewall, never written before the grant: the "recommend web" one opens 22, 80 (and 443, 3389), ICMP.
    const { DataSet } = await client.describeFirewall({});
    const web = DataSet.find((f) => f.Type === "recommend web");
    assert.ok(web);
    await grant(web.FWId);
    await traffic(
      pass("ext", "db", "tcp", 80),
      pass("ext", "db", "tcp", 22),
      pass("ext", "db", "ping"),
      drop("ext", "db", "udp", 9000),
      drop("ext", "db", "tcp", 5432),
    );

    // Back to SecGroup mode and bound again: the groups decide again.
    await operator.adminUpdateResource({ ResourceId: RESOURCES.db, SecurityMode: "SecGroup" });
    await client.associateSecGroup({
      ResourceId: [RESOURCES.db],
      PrioritySecGroup: [{ SecGroupId: "secgroup-db", Priority: 1 }],
    });
    await traffic(drop("ext", "db", "tcp", 80), drop("ext", "db", "ping"), drop("web1", "db", "tcp", 5432));
  });
});
