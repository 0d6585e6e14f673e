// One resource: its groups in evaluation order (binding priority), reordered, added (up to 5) and removed in one
// UpdateSecGroupAssociation; the decision lists its groups compile to; and "would this packet pass".
import type { ActionOutput } from "@sgplane/catalogue/wire";
import { useState } from "preact/hooks";
import type { CallScope } from "../api/sign.ts";
import { useApp, useLoad, useSingleFlight } from "../app-context.ts";
import { href } from "../router.ts";
import { Alert, allPages, Field, Notice, Select } from "../ui/widgets.tsx";
import { FORCE_EXPLANATION } from "./unbind.tsx";

const MAX_GROUPS = 5;
type Policy = ActionOutput<"DescribeResourcePolicy">;
interface Slot {
  readonly SecGroupId: string;
  readonly Name: string;
}

export function ResourcePage(props: { readonly region: string; readonly project: string; readonly id: string }) {
  const { api, world } = useApp();
  const scope: CallScope = { region: props.region, projectId: props.project };
  const loaded = useLoad(async () => {
    const found = await api.call("DescribeResourceSecGroup", { ResourceId: [props.id] }, scope);
    const resource = found.DataSet[0];
    if (resource === undefined) return undefined;
    const [policy, groups] = await Promise.all([
      api.call("DescribeResourcePolicy", { ResourceId: props.id }, scope).catch((e: unknown) => e),
      allPages(async (Offset, Limit) => {
        const page = await api.call("DescribeSecGroup", { Offset, Limit }, scope);
        return { items: page.DataSet, total: page.TotalCount };
      }),
    ]);
    return { resource, policy, groups };
  }, [props.region, props.project, props.id]);
  const [notice, setNotice] = useState<string | undefined>();

  if (loaded.data === undefined) {
    return (
      <>
        <h1>Resource {props.id}</h1>
        <Alert error={loaded.error} onRetry={loaded.reload} />
        {loaded.error === undefined && <p role="status">Loading…</p>}
        {loaded.error === undefined && loaded.loading === false && (
          <p role="alert">
            There is no resource {props.id} in {props.region} / {props.project} that this key may see.
          </p>
        )}
      </>
    );
  }
  const { resource, policy, groups } = loaded.data;
  // Only groups of the resource's own VPC can be bound to it (58209 otherwise).
  const vpcId =
    world.snapshot?.Resources.find((r) => r.ResourceId === resource.ResourceId)?.VPCId ??
    resource.SecGroupInfo[0]?.VPCId;
  return (
    <>
      <p class="crumbs">
        <a href={href(props.region, props.project, "resources")}>Resources</a> › {resource.ResourceName}
      </p>
      <h1>
        {resource.ResourceName}{" "}
        <small>
          <code>{resource.ResourceId}</code>
        </small>
      </h1>
      <p class="meta">
        {resource.PermitAssociate ? "Security-group mode" : "Firewall mode: security groups do not filter it"}
      </p>
      {notice !== undefined && <Notice>{notice}</Notice>}
      <Alert error={loaded.error} onRetry={loaded.reload} />
      {resource.PermitAssociate && (
        <Bindings
          key={resource.SecGroupInfo.map((g) => `${g.SecGroupId}:${g.Priority}`).join(",")}
          scope={scope}
          region={props.region}
          project={props.project}
          resourceId={resource.ResourceId}
          current={[...resource.SecGroupInfo].sort((a, b) => a.Priority - b.Priority)}
          candidates={groups.filter((g) => vpcId === undefined || g.VPCId === vpcId)}
          onSaved={(m) => {
            // The notice once the page shows the change it reports.
            void loaded.reload().then(() => setNotice(m));
          }}
        />
      )}
      {policy instanceof Error ? <Alert error={policy} /> : <PolicyLists policy={policy as Policy} />}
      <PacketCheck scope={scope} resourceId={resource.ResourceId} />
    </>
  );
}

function Bindings(props: {
  readonly scope: CallScope;
  readonly region: string;
  readonly project: string;
  readonly resourceId: string;
  readonly current: readonly Slot[];
  readonly candidates: readonly Slot[];
  readonly onSaved: (message: string) => void;
}) {
  const { api } = useApp();
  const [order, setOrder] = useState<readonly Slot[]>(props.current);
  const [adding, setAdding] = useState("");
  const [error, setError] = useState<unknown>();
  const [confirmForce, setConfirmForce] = useState(false);
  const { busy, run } = useSingleFlight();
  const changed = order.map((g) => g.SecGroupId).join() !== props.current.map((g) => g.SecGroupId).join();
  const addable = props.candidates.filter((g) => !order.some((o) => o.SecGroupId === g.SecGroupId));
  const move = (i: number, by: number) =>
    setOrder((o) => {
      const next = [...o];
      const [item] = next.splice(i, 1);
      if (item) next.splice(i + by, 0, item);
      return next;
    });

  const save = () =>
    run(async () => {
      setError(undefined);
      try {
        if (order.length === 0) {
          // Taking the last group off needs Force, which only DisassociateSecGroup has.
          if (!confirmForce) {
            setConfirmForce(true);
            return;
          }
          await api.call("DisassociateSecGroup", { ResourceId: [props.resourceId], Force: true }, props.scope);
        } else {
          await api.call(
            "UpdateSecGroupAssociation",
            {
              ResourceId: props.resourceId,
              OldSecGroupId: props.current.map((g) => g.SecGroupId),
              NewPrioritySecGroup: order.map((g, i) => ({ SecGroupId: g.SecGroupId, Priority: i + 1 })),
            },
            props.scope,
          );
        }
        setConfirmForce(false);
        props.onSaved(`Saved: ${order.map((g) => g.Name).join(", ") || "no group"}.`);
      } catch (e) {
        setError(e);
      }
    });

  return (
    <section aria-labelledby="bindings-title">
      <h2 id="bindings-title">Security groups, in evaluation order</h2>
      <ol class="bindings">
        {order.map((g, i) => (
          <li key={g.SecGroupId} data-group={g.SecGroupId}>
            <a href={href(props.region, props.project, "groups", g.SecGroupId)}>{g.Name}</a> <code>{g.SecGroupId}</code>{" "}
            <button type="button" disabled={i === 0} aria-label={`Move ${g.Name} up`} onClick={() => move(i, -1)}>
              ↑
            </button>
            <button
              type="button"
              disabled={i === order.length - 1}
              aria-label={`Move ${g.Name} down`}
              onClick={() => move(i, 1)}
            >
              ↓
            </button>
            <button
              type="button"
              aria-label={`Unbind ${g.Name}`}
              onClick={() => setOrder((o) => o.filter((x) => x !== g))}
            >
              Unbind
            </button>
          </li>
        ))}
      </ol>
      {order.length === 0 && <p>No group: nothing will filter this resource by security group.</p>}
      <div class="toolbar">
        <Select
          label="Bind another group"
          value={adding}
          disabled={order.length >= MAX_GROUPS}
          options={[
            ["", order.length >= MAX_GROUPS ? `Already ${MAX_GROUPS} groups (the most)` : "Choose a group…"],
            ...addable.map((g) => [g.SecGroupId, `${g.Name} (${g.SecGroupId})`] as const),
          ]}
          onValue={setAdding}
        />
        <button
          type="button"
          disabled={adding === "" || order.length >= MAX_GROUPS}
          onClick={() => {
            const g = addable.find((x) => x.SecGroupId === adding);
            if (g) setOrder((o) => [...o, { SecGroupId: g.SecGroupId, Name: g.Name }]);
            setAdding("");
          }}
        >
          Add
        </button>
        <button type="button" class="primary" disabled={busy || !changed} onClick={() => void save()}>
          Save order and groups
        </button>
        <button
          type="button"
          disabled={busy || !changed}
          onClick={() => {
            setOrder(props.current);
            setConfirmForce(false);
          }}
        >
          Undo changes
        </button>
      </div>
      {confirmForce && (
        <div class="warning" role="alert">
          <p>
            <strong>This would take the resource's last security group.</strong> {FORCE_EXPLANATION}
          </p>
          <button type="button" class="danger" disabled={busy} onClick={() => void save()}>
            Unbind with Force
          </button>
        </div>
      )}
      <Alert error={error} />
    </section>
  );
}

type DecisionList = { readonly Rules: readonly Record<string, unknown>[]; readonly Default: string };

function PolicyLists(props: { readonly policy: Policy }) {
  const lists: [string, DecisionList][] = [
    ["Inbound (Ingress)", props.policy.Ingress as unknown as DecisionList],
    ["Outbound (Egress)", props.policy.Egress as unknown as DecisionList],
  ];
  return (
    <section aria-labelledby="policy-title">
      <h2 id="policy-title">Effective decision lists</h2>
      <p class="meta">
        {props.policy.Filtered
          ? "First matching rule decides; groups by binding priority, rules by priority within each group."
          : "Firewall mode: the security groups do not filter this resource."}{" "}
        Never filtered: {props.policy.ServiceNetwork}.
      </p>
      {lists.map(([title, list]) => (
        <table key={title} class="rules" aria-label={`${title} decision list`}>
          <caption>
            {title}: {list.Rules.length} rule(s), then {list.Default}
          </caption>
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Group (binding priority)</th>
              <th scope="col">Rule priority</th>
              <th scope="col">Protocol</th>
              <th scope="col">Ports</th>
              <th scope="col">Addresses</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {list.Rules.map((r, i) => (
              <tr key={String(r.RuleId ?? i)}>
                <td>{i + 1}</td>
                <td>
                  {String(r.SecGroupId ?? "")} ({String(r.GroupPriority ?? "")})
                </td>
                <td>{String(r.RulePriority ?? "")}</td>
                <td>{String(r.ProtocolType ?? "")}</td>
                <td>{String(r.Ports ?? "")}</td>
                <td>{String(r.IPRange ?? "")}</td>
                <td class={r.RuleAction === "Drop" ? "drop" : "accept"}>{String(r.RuleAction ?? "")}</td>
              </tr>
            ))}
            <tr>
              <td colSpan={6}>No rule matched</td>
              <td class={list.Default === "Drop" ? "drop" : "accept"}>{list.Default}</td>
            </tr>
          </tbody>
        </table>
      ))}
    </section>
  );
}

function PacketCheck(props: { readonly scope: CallScope; readonly resourceId: string }) {
  const { api } = useApp();
  const [direction, setDirection] = useState<"Ingress" | "Egress">("Ingress");
  const [protocol, setProtocol] = useState<"TCP" | "UDP" | "ICMP" | "ICMPv6" | "GRE">("TCP");
  const [port, setPort] = useState("22");
  const [peer, setPeer] = useState("203.0.113.7");
  const [answer, setAnswer] = useState<ActionOutput<"CheckSecGroupPacket"> | undefined>();
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const fieldOf = (name: string) =>
    error instanceof Error && "field" in error && (error as { field?: string }).field === name
      ? error.message
      : undefined;
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      setError(undefined);
      setAnswer(undefined);
      try {
        const portNumber = /^\d+$/.test(port) ? Number(port) : undefined;
        setAnswer(
          await api.call(
            "CheckSecGroupPacket",
            {
              ResourceId: props.resourceId,
              Direction: direction,
              ProtocolType: protocol,
              PeerIp: peer.trim(),
              ...(portNumber !== undefined && { Port: portNumber }),
            },
            props.scope,
          ),
        );
      } catch (err) {
        setError(err);
      }
    });
  };
  return (
    <section aria-labelledby="check-title">
      <h2 id="check-title">Would this packet pass?</h2>
      <form class="grid" onSubmit={submit}>
        <Select
          label="Direction"
          value={direction}
          options={[
            ["Ingress", "Inbound (to the resource)"],
            ["Egress", "Outbound (from it)"],
          ]}
          onValue={(v) => setDirection(v as "Ingress")}
        />
        <Select
          label="Protocol"
          value={protocol}
          options={["TCP", "UDP", "ICMP", "ICMPv6", "GRE"].map((p) => [p, p] as const)}
          onValue={(v) => setProtocol(v as "TCP")}
        />
        <Field label="Port" value={port} onValue={setPort} inputMode="numeric" error={fieldOf("Port")} />
        <Field
          label={direction === "Ingress" ? "Source address" : "Destination address"}
          value={peer}
          onValue={setPeer}
          error={fieldOf("PeerIp")}
        />
        <button type="submit" class="primary" disabled={busy}>
          Check
        </button>
      </form>
      {answer && (
        <p role="status" class="verdict">
          <span class={`verdict-${answer.Verdict}`}>{answer.Verdict}</span> — {answer.Explanation}
        </p>
      )}
      {fieldOf("Port") === undefined && fieldOf("PeerIp") === undefined && <Alert error={error} />}
    </section>
  );
}
