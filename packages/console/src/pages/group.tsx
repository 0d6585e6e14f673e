// One security group: Inbound and Outbound rules by priority, edited in place (several at once, server field
// errors beside their field), and the resources bound to it (multi-select unbind with the last-group check; bind).
import { useState } from "preact/hooks";
import type { CallScope } from "../api/sign.ts";
import { useApp, useLoad, useSingleFlight } from "../app-context.ts";
import { href } from "../router.ts";
import { Alert, allPages, Dialog, Field, Notice, Pager, Select, useListSearch } from "../ui/widgets.tsx";
import {
  type Direction,
  type Draft,
  type DraftField,
  draftOf,
  type FieldErrors,
  fieldErrorsOf,
  newDraft,
  type Rule,
  wireRule,
} from "./rule-drafts.ts";
import { UnbindDialog, type UnbindTarget } from "./unbind.tsx";

const PROTOCOLS = ["TCP", "UDP", "ICMP", "ICMPv6", "ALL"].map((p) => [p, p] as const);
const ACTIONS = [
  ["Accept", "Accept"],
  ["Drop", "Drop"],
] as const;
const VERSIONS = [
  ["IPv4", "IPv4"],
  ["IPv6", "IPv6"],
] as const;

export function GroupPage(props: { readonly region: string; readonly project: string; readonly id: string }) {
  const { api } = useApp();
  const scope: CallScope = { region: props.region, projectId: props.project };
  const loaded = useLoad(async () => {
    const [found, bound] = await Promise.all([
      api.call("DescribeSecGroup", { SecGroupId: [props.id] }, scope),
      allPages(async (Offset, Limit) => {
        const page = await api.call("DescribeSecGroupResource", { SecGroupId: props.id, Offset, Limit }, scope);
        return { items: page.DataSet, total: page.TotalCount };
      }).catch(() => []),
    ]);
    return { group: found.DataSet[0], bound };
  }, [props.region, props.project, props.id]);
  const [notice, setNotice] = useState<string | undefined>();

  const group = loaded.data?.group;
  if (loaded.data !== undefined && group === undefined) {
    return (
      <>
        <h1>Security group {props.id}</h1>
        <p role="alert">
          There is no security group {props.id} in {props.region} / {props.project} that this key may see.{" "}
          <a href={href(props.region, props.project, "groups")}>All groups</a>
        </p>
      </>
    );
  }
  return (
    <>
      <p class="crumbs">
        <a href={href(props.region, props.project, "groups")}>Security groups</a> › {group?.Name ?? props.id}
      </p>
      <h1>
        {group?.Name ?? props.id}{" "}
        <small>
          <code>{props.id}</code>
        </small>
      </h1>
      {group && (
        <p class="meta">
          VPC <code>{group.VPCId}</code> · tag {group.Tag} · {group.Type}
          {group.Remark && ` · ${group.Remark}`}
        </p>
      )}
      {notice !== undefined && <Notice>{notice}</Notice>}
      <Alert error={loaded.error} onRetry={loaded.reload} />
      {group === undefined && loaded.error === undefined && <p role="status">Loading…</p>}
      {group && (
        <RuleEditor
          scope={scope}
          groupId={group.SecGroupId}
          rules={group.Rule}
          onSaved={(m) => {
            // The notice once the page shows the change it reports.
            void loaded.reload().then(() => setNotice(m));
          }}
        />
      )}
      {group && loaded.data && (
        <BoundResources
          scope={scope}
          region={props.region}
          project={props.project}
          groupId={group.SecGroupId}
          vpcId={group.VPCId}
          bound={loaded.data.bound}
          onChanged={(m) => {
            // The notice once the page shows the change it reports.
            void loaded.reload().then(() => setNotice(m));
          }}
        />
      )}
    </>
  );
}

function RuleEditor(props: {
  readonly scope: CallScope;
  readonly groupId: string;
  readonly rules: readonly Rule[];
  readonly onSaved: (message: string) => void;
}) {
  const { api } = useApp();
  const [drafts, setDrafts] = useState<readonly Draft[]>([]);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [failure, setFailure] = useState<unknown>();
  const [counter, setCounter] = useState(0);
  const { busy, run } = useSingleFlight();

  const edit = (d: Draft) =>
    setDrafts((all) => (all.some((x) => x.key === d.key) ? all.map((x) => (x.key === d.key ? d : x)) : [...all, d]));
  const drop = (key: string) => {
    setDrafts((all) => all.filter((x) => x.key !== key));
    setErrors(({ [key]: _, ...rest }) => rest);
  };
  const add = (direction: Direction) => {
    const taken = [
      ...props.rules.filter((r) => r.Direction === direction).map((r) => r.Priority),
      ...drafts.filter((d) => d.Direction === direction).map((d) => Number(d.Priority)),
    ];
    edit(newDraft(`new-${counter}`, direction, taken));
    setCounter((n) => n + 1);
  };

  const save = () =>
    run(async () => {
      setFailure(undefined);
      const updates = drafts.filter((d) => d.ruleId !== undefined);
      const creates = drafts.filter((d) => d.ruleId === undefined);
      const nextErrors: FieldErrors = {};
      const done: string[] = [];
      const saved: string[] = [];
      for (const [batch, action] of [
        [updates, "UpdateSecGroupRule"],
        [creates, "CreateSecGroupRule"],
      ] as const) {
        if (batch.length === 0) continue;
        try {
          const Rule = batch.map(wireRule);
          if (action === "UpdateSecGroupRule") {
            await api.call(
              "UpdateSecGroupRule",
              { SecGroupId: props.groupId, Rule: Rule as Required<(typeof Rule)[number]>[] },
              props.scope,
            );
          } else {
            await api.call("CreateSecGroupRule", { SecGroupId: props.groupId, Rule }, props.scope);
          }
          saved.push(...batch.map((d) => d.key));
          done.push(`${batch.length} rule(s) ${action === "UpdateSecGroupRule" ? "changed" : "added"}`);
        } catch (error) {
          const fields = fieldErrorsOf(error, batch);
          if (fields === undefined) setFailure(error);
          else Object.assign(nextErrors, fields);
        }
      }
      setErrors(nextErrors);
      setDrafts((all) => all.filter((d) => !saved.includes(d.key)));
      if (done.length > 0) props.onSaved(`${done.join(", ")}.`);
    });

  const removeSelected = () =>
    run(async () => {
      setFailure(undefined);
      try {
        await api.call("DeleteSecGroupRule", { SecGroupId: props.groupId, RuleId: [...selected] }, props.scope);
        props.onSaved(`${selected.size} rule(s) deleted.`);
        setSelected(new Set());
      } catch (error) {
        setFailure(error);
      }
    });

  return (
    <section aria-labelledby="rules-title">
      <h2 id="rules-title">Rules</h2>
      <div class="toolbar">
        <button type="button" onClick={() => add("Ingress")}>
          Add inbound rule
        </button>
        <button type="button" onClick={() => add("Egress")}>
          Add outbound rule
        </button>
        <button type="button" class="primary" disabled={busy || drafts.length === 0} onClick={() => void save()}>
          Save {drafts.length > 0 ? `${drafts.length} change(s)` : "changes"}
        </button>
        <button
          type="button"
          class="danger"
          disabled={busy || selected.size === 0}
          onClick={() => void removeSelected()}
        >
          Delete {selected.size > 0 ? `${selected.size} selected` : "selected"}
        </button>
        {busy && <span role="status">Saving…</span>}
      </div>
      <Alert error={failure} />
      {(["Ingress", "Egress"] as const).map((direction) => (
        <RuleTable
          key={direction}
          direction={direction}
          rules={props.rules.filter((r) => r.Direction === direction)}
          drafts={drafts.filter((d) => d.Direction === direction)}
          errors={errors}
          selected={selected}
          onSelect={(id, on) =>
            setSelected((s) => {
              const n = new Set(s);
              if (on) n.add(id);
              else n.delete(id);
              return n;
            })
          }
          onEdit={edit}
          onCancel={drop}
        />
      ))}
    </section>
  );
}

function RuleTable(props: {
  readonly direction: Direction;
  readonly rules: readonly Rule[];
  readonly drafts: readonly Draft[];
  readonly errors: FieldErrors;
  readonly selected: ReadonlySet<string>;
  readonly onSelect: (id: string, on: boolean) => void;
  readonly onEdit: (d: Draft) => void;
  readonly onCancel: (key: string) => void;
}) {
  const title = props.direction === "Ingress" ? "Inbound" : "Outbound";
  const byKey = new Map(props.drafts.map((d) => [d.key, d]));
  const sorted = [...props.rules].sort((a, b) => a.Priority - b.Priority);
  const added = props.drafts.filter((d) => d.ruleId === undefined);
  return (
    <table class="rules" aria-label={`${title} rules`}>
      <caption>
        {title} ({props.direction}) — {props.rules.length} rule(s), smaller priority first
      </caption>
      <thead>
        <tr>
          <th scope="col">
            <span class="sr-only">Select</span>
          </th>
          <th scope="col">Priority</th>
          <th scope="col">Protocol</th>
          <th scope="col">Ports</th>
          <th scope="col">{props.direction === "Ingress" ? "Source" : "Destination"}</th>
          <th scope="col">Action</th>
          <th scope="col">IP version</th>
          <th scope="col">Remark</th>
          <th scope="col">
            <span class="sr-only">Edit</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((r, i) => {
          const draft = byKey.get(r.RuleId);
          if (draft)
            return (
              <DraftRow
                key={r.RuleId}
                draft={draft}
                label={`${title} rule ${i + 1}`}
                errors={props.errors[draft.key]}
                onEdit={props.onEdit}
                onCancel={props.onCancel}
              />
            );
          return (
            <tr key={r.RuleId} data-rule={r.RuleId}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${title.toLowerCase()} rule priority ${r.Priority}`}
                  checked={props.selected.has(r.RuleId)}
                  onChange={(e) => props.onSelect(r.RuleId, e.currentTarget.checked)}
                />
              </td>
              <td>{r.Priority}</td>
              <td>{r.ProtocolType}</td>
              <td>{r.DstPort}</td>
              <td>{r.IPRange}</td>
              <td class={r.RuleAction === "Drop" ? "drop" : "accept"}>{r.RuleAction}</td>
              <td>{r.IPVersion}</td>
              <td>{r.Remark}</td>
              <td>
                <button
                  type="button"
                  aria-label={`Edit ${title.toLowerCase()} rule priority ${r.Priority}`}
                  onClick={() => props.onEdit(draftOf(r))}
                >
                  Edit
                </button>
              </td>
            </tr>
          );
        })}
        {added.map((d, i) => (
          <DraftRow
            key={d.key}
            draft={d}
            label={`New ${title.toLowerCase()} rule ${i + 1}`}
            errors={props.errors[d.key]}
            onEdit={props.onEdit}
            onCancel={props.onCancel}
          />
        ))}
        {sorted.length === 0 && added.length === 0 && (
          <tr>
            <td colSpan={9}>No {title.toLowerCase()} rule.</td>
          </tr>
        )}
      </tbody>
    </table>
  );
}

function DraftRow(props: {
  readonly draft: Draft;
  readonly label: string;
  readonly errors: Partial<Record<DraftField | "row", string>> | undefined;
  readonly onEdit: (d: Draft) => void;
  readonly onCancel: (key: string) => void;
}) {
  const d = props.draft;
  const set = (field: DraftField) => (value: string) => props.onEdit({ ...d, [field]: value });
  const e = props.errors ?? {};
  return (
    <tr class="editing" data-draft={d.key}>
      <td>
        {e.row && (
          <span class="field-error" role="alert">
            {e.row}
          </span>
        )}
      </td>
      <td>
        <Field
          hideLabel
          label={`${props.label}: priority`}
          value={d.Priority}
          onValue={set("Priority")}
          inputMode="numeric"
          size={4}
          error={e.Priority}
        />
      </td>
      <td>
        <Select
          hideLabel
          label={`${props.label}: protocol`}
          value={d.ProtocolType}
          options={PROTOCOLS}
          onValue={set("ProtocolType")}
          error={e.ProtocolType}
        />
      </td>
      <td>
        <Field
          hideLabel
          label={`${props.label}: ports`}
          value={d.DstPort}
          onValue={set("DstPort")}
          placeholder="22 or 80,443 or ALL"
          size={12}
          error={e.DstPort}
        />
      </td>
      <td>
        <Field
          hideLabel
          label={`${props.label}: addresses`}
          value={d.IPRange}
          onValue={set("IPRange")}
          size={16}
          error={e.IPRange}
        />
      </td>
      <td>
        <Select
          hideLabel
          label={`${props.label}: action`}
          value={d.RuleAction}
          options={ACTIONS}
          onValue={set("RuleAction")}
          error={e.RuleAction}
        />
      </td>
      <td>
        <Select
          hideLabel
          label={`${props.label}: IP version`}
          value={d.IPVersion}
          options={VERSIONS}
          onValue={set("IPVersion")}
          error={e.IPVersion}
        />
      </td>
      <td>
        <Field
          hideLabel
          label={`${props.label}: remark`}
          value={d.Remark}
          onValue={set("Remark")}
          size={10}
          error={e.Remark}
        />
      </td>
      <td>
        <button type="button" onClick={() => props.onCancel(d.key)} aria-label={`Discard ${props.label.toLowerCase()}`}>
          Discard
        </button>
      </td>
    </tr>
  );
}

/** Bound resources shown a page at a time; the search box appears once there are more than a fifth of a page. */
const BOUND_PAGE = 50;

interface Bound {
  readonly ResourceId: string;
  readonly Name: string;
  readonly ResourceType: string;
  readonly PrivateIp: string;
  readonly SubResourceId: string;
}

function BoundResources(props: {
  readonly scope: CallScope;
  readonly region: string;
  readonly project: string;
  readonly groupId: string;
  readonly vpcId: string;
  readonly bound: readonly Bound[];
  readonly onChanged: (message: string) => void;
}) {
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [dialog, setDialog] = useState<"unbind" | "unbind-all" | "bind" | undefined>();
  const { search, setSearch, offset, setOffset, matches } = useListSearch();
  const targets: UnbindTarget[] = props.bound.map((b) => ({ ResourceId: b.ResourceId, Name: b.Name }));
  const matching = props.bound.filter((b) => matches(b.Name, b.ResourceId, b.PrivateIp));
  const shown = matching.slice(offset, offset + BOUND_PAGE);
  const allSelected = shown.length > 0 && shown.every((b) => selected.has(b.ResourceId));
  return (
    <section aria-labelledby="bound-title">
      <h2 id="bound-title">Bound resources ({props.bound.length})</h2>
      <div class="toolbar">
        <button type="button" onClick={() => setDialog("bind")}>
          Bind resources
        </button>
        <button type="button" disabled={selected.size === 0} onClick={() => setDialog("unbind")}>
          Unbind {selected.size > 0 ? `${selected.size} selected` : "selected"}
        </button>
        <button type="button" disabled={props.bound.length === 0} onClick={() => setDialog("unbind-all")}>
          Unbind all
        </button>
      </div>
      {props.bound.length > BOUND_PAGE / 5 && (
        <Field label="Search bound resources" type="search" value={search} onValue={setSearch} />
      )}
      <table class="list" aria-label="Bound resources">
        <thead>
          <tr>
            <th scope="col">
              <input
                type="checkbox"
                aria-label="Select every bound resource"
                checked={allSelected}
                onChange={(e) =>
                  setSelected(e.currentTarget.checked ? new Set(shown.map((b) => b.ResourceId)) : new Set())
                }
              />
            </th>
            <th scope="col">Name</th>
            <th scope="col">Resource</th>
            <th scope="col">Type</th>
            <th scope="col">Private IP</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((b) => (
            <tr key={`${b.ResourceId}/${b.SubResourceId}`} data-resource={b.ResourceId}>
              <td>
                <input
                  type="checkbox"
                  aria-label={`Select ${b.Name}`}
                  checked={selected.has(b.ResourceId)}
                  onChange={(e) =>
                    setSelected((s) => {
                      const n = new Set(s);
                      if (e.currentTarget.checked) n.add(b.ResourceId);
                      else n.delete(b.ResourceId);
                      return n;
                    })
                  }
                />
              </td>
              <td>
                <a href={href(props.region, props.project, "resources", b.ResourceId)}>{b.Name}</a>
              </td>
              <td>
                <code>{b.ResourceId}</code>
              </td>
              <td>{b.ResourceType}</td>
              <td>{b.PrivateIp}</td>
            </tr>
          ))}
          {props.bound.length === 0 && (
            <tr>
              <td colSpan={5}>Not bound to any resource.</td>
            </tr>
          )}
        </tbody>
      </table>
      <Pager offset={offset} limit={BOUND_PAGE} total={matching.length} onOffset={setOffset} label="Bound resource" />
      {(dialog === "unbind" || dialog === "unbind-all") && (
        <UnbindDialog
          scope={props.scope}
          groupId={props.groupId}
          targets={dialog === "unbind" ? targets.filter((t) => selected.has(t.ResourceId)) : targets}
          whole={dialog === "unbind-all"}
          onClose={() => setDialog(undefined)}
          onDone={(m) => {
            setDialog(undefined);
            setSelected(new Set());
            props.onChanged(m);
          }}
        />
      )}
      {dialog === "bind" && (
        <BindDialog
          scope={props.scope}
          groupId={props.groupId}
          vpcId={props.vpcId}
          bound={props.bound.map((b) => b.ResourceId)}
          onClose={() => setDialog(undefined)}
          onDone={(m) => {
            setDialog(undefined);
            props.onChanged(m);
          }}
        />
      )}
    </section>
  );
}

/** Binds the group to resources of its VPC, each at its first free binding priority (after its current groups). */
function BindDialog(props: {
  readonly scope: CallScope;
  readonly groupId: string;
  readonly vpcId: string;
  readonly bound: readonly string[];
  readonly onClose: () => void;
  readonly onDone: (message: string) => void;
}) {
  const { api } = useApp();
  const candidates = useLoad(
    () =>
      allPages(async (Offset, Limit) => {
        const page = await api.call("DescribeResourceSecGroup", { VPCId: props.vpcId, Offset, Limit }, props.scope);
        return { items: page.DataSet, total: page.TotalCount };
      }),
    [props.vpcId],
    false,
  );
  const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const choices = (candidates.data ?? []).filter((r) => !props.bound.includes(r.ResourceId));
  const bind = () =>
    run(async () => {
      setError(undefined);
      const byPriority = new Map<number, string[]>();
      for (const r of choices.filter((c) => picked.has(c.ResourceId))) {
        const used = new Set(r.SecGroupInfo.map((g) => g.Priority));
        let p = 1;
        while (used.has(p)) p++;
        byPriority.set(p, [...(byPriority.get(p) ?? []), r.ResourceId]);
      }
      try {
        // One call per priority: AssociateSecGroup gives every listed resource the same priority.
        for (const [Priority, ResourceId] of byPriority) {
          await api.call(
            "AssociateSecGroup",
            { ResourceId, PrioritySecGroup: [{ SecGroupId: props.groupId, Priority }] },
            props.scope,
          );
        }
        props.onDone(`Bound ${props.groupId} to ${picked.size} resource(s).`);
      } catch (e) {
        setError(e);
      }
    });
  return (
    <Dialog title={`Bind ${props.groupId} to resources`} onClose={props.onClose}>
      <Alert error={candidates.error} />
      {candidates.data === undefined && candidates.error === undefined && <p role="status">Loading resources…</p>}
      {candidates.data !== undefined && choices.length === 0 && (
        <p>Every resource of {props.vpcId} already has this group.</p>
      )}
      <fieldset>
        <legend>Resources of VPC {props.vpcId}</legend>
        {choices.map((r) => (
          <label key={r.ResourceId} class="check">
            <input
              type="checkbox"
              disabled={!r.PermitAssociate || r.SecGroupInfo.length >= 5}
              checked={picked.has(r.ResourceId)}
              onChange={(e) =>
                setPicked((s) => {
                  const n = new Set(s);
                  if (e.currentTarget.checked) n.add(r.ResourceId);
                  else n.delete(r.ResourceId);
                  return n;
                })
              }
            />
            {r.ResourceName} ({r.ResourceId}) — {r.SecGroupInfo.length} group(s)
            {!r.PermitAssociate
              ? ", firewall mode: takes no group"
              : r.SecGroupInfo.length >= 5
                ? ", already 5 groups"
                : ""}
          </label>
        ))}
      </fieldset>
      <Alert error={error} />
      <div class="buttons">
        <button type="button" class="primary" disabled={busy || picked.size === 0} onClick={() => void bind()}>
          Bind {picked.size > 0 ? picked.size : ""}
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
