// Security groups of a region/project: searchable, paged, with rule and binding counts; create, rename/tag,
// delete (a refusal lists the bound resources, one click unbinds them), copy elsewhere.
import type { ActionOutput } from "@sgplane/catalogue/wire";
import { useRef, useState } from "preact/hooks";
import { CallError } from "../api/client.ts";
import { useApp, useLoad, useSingleFlight } from "../app-context.ts";
import { href, navigate } from "../router.ts";
import { Alert, allPages, Dialog, Field, FormButtons, Notice, Pager, Select, useListSearch } from "../ui/widgets.tsx";
import { useRowWindow } from "../ui/windowed.ts";
import { projectsOf, vpcsOf } from "../world.ts";
import { UnbindDialog, type UnbindTarget } from "./unbind.tsx";

export type Group = ActionOutput<"DescribeSecGroup">["DataSet"][number];
export interface GroupRow extends Group {
  readonly bindings: number;
}

const PAGE_SIZES = [25, 100, 1000];

export function Groups(props: { readonly region: string; readonly project: string; readonly query: URLSearchParams }) {
  const { api, world } = useApp();
  const scope = { region: props.region, projectId: props.project };
  const vpc = props.query.get("vpc") ?? "";
  const { search, setSearch, needle, offset, setOffset, matches } = useListSearch(props.query.get("q") ?? "");
  const limit = PAGE_SIZES.includes(Number(props.query.get("per"))) ? Number(props.query.get("per")) : 25;
  /** The list's URL with some of its query changed: VPC and page size are part of a shareable link. */
  const listUrl = (change: Record<string, string>) => {
    const q = new URLSearchParams(props.query);
    for (const [k, v] of Object.entries(change)) {
      if (v === "") q.delete(k);
      else q.set(k, v);
    }
    return `${href(props.region, props.project, "groups")}${q.size > 0 ? `?${q}` : ""}`;
  };
  const [dialog, setDialog] = useState<
    { kind: "create" } | { kind: "edit" | "copy" | "delete"; group: Group } | undefined
  >();
  const [notice, setNotice] = useState<string | undefined>();
  const groups = useLoad(async () => {
    const [list, resources] = await Promise.all([
      allPages(async (Offset, Limit) => {
        const page = await api.call("DescribeSecGroup", { Offset, Limit, ...(vpc && { VPCId: vpc }) }, scope);
        return { items: page.DataSet, total: page.TotalCount };
      }),
      // Bindings are counted from the resources' side: DescribeSecGroupResource over every group does not say
      // which group each binding belongs to, and one call per group would be a thousand calls for 1,000 groups.
      allPages(async (Offset, Limit) => {
        const page = await api.call("DescribeResourceSecGroup", { Offset, Limit }, scope);
        return { items: page.DataSet, total: page.TotalCount };
      }),
    ]);
    const counts = new Map<string, number>();
    for (const r of resources) {
      for (const g of r.SecGroupInfo) counts.set(g.SecGroupId, (counts.get(g.SecGroupId) ?? 0) + 1);
    }
    return list.map((g): GroupRow => ({ ...g, bindings: counts.get(g.SecGroupId) ?? 0 }));
  }, [props.region, props.project, vpc]);
  const rows = groups.data ?? [];

  const matching = rows.filter((g) => matches(g.Name, g.SecGroupId, g.Tag, g.Remark));
  const shown = matching.slice(offset, offset + limit);
  const body = useRef<HTMLTableSectionElement>(null);
  const win = useRowWindow(shown.length, body);
  const vpcs = vpcsOf(world, props.region, props.project);
  const project = projectsOf(world).find((p) => p.ProjectId === props.project);

  return (
    <section aria-labelledby="groups-title">
      <h1 id="groups-title">
        Security groups{" "}
        <small>
          {props.region} · {project ? project.Name : props.project}
        </small>
      </h1>
      <div class="toolbar">
        <Field label="Search" type="search" placeholder="name, id, tag or remark" value={search} onValue={setSearch} />
        <Select
          label="VPC"
          value={vpc}
          options={[["", "All VPCs"], ...vpcs.map((v) => [v.VPCId, `${v.Name} (${v.VPCId})`] as const)]}
          onValue={(v) => navigate(listUrl({ vpc: v }))}
        />
        <Select
          label="Per page"
          value={String(limit)}
          options={PAGE_SIZES.map((n) => [String(n), String(n)] as const)}
          onValue={(v) => {
            setOffset(0);
            navigate(listUrl({ per: v === "25" ? "" : v }));
          }}
        />
        <button type="button" class="primary" onClick={() => setDialog({ kind: "create" })}>
          Create group
        </button>
      </div>
      {notice !== undefined && <Notice>{notice}</Notice>}
      <Alert error={groups.error} onRetry={groups.reload} />
      {groups.data === undefined && groups.error === undefined && <p role="status">Loading groups…</p>}
      {groups.data !== undefined && (
        <>
          <table class={win.windowed ? "list windowed" : "list"} aria-label="Security groups">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Id</th>
                <th scope="col">VPC</th>
                <th scope="col">Tag</th>
                <th scope="col">Rules</th>
                <th scope="col">Bound resources</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody ref={body}>
              {win.start > 0 && (
                <tr class="spacer">
                  <td colSpan={7} style={{ height: `${win.start * win.rowHeight}px` }} />
                </tr>
              )}
              {shown.slice(win.start, win.end).map((g) => (
                <tr key={g.SecGroupId} data-group={g.SecGroupId} data-row="">
                  <td>
                    <a href={href(props.region, props.project, "groups", g.SecGroupId)}>{g.Name}</a>
                  </td>
                  <td>
                    <code>{g.SecGroupId}</code>
                  </td>
                  <td>{g.VPCId}</td>
                  <td>{g.Tag}</td>
                  <td>{g.Rule.length}</td>
                  <td>{g.bindings}</td>
                  <td class="actions">
                    <button
                      type="button"
                      aria-label={`Edit ${g.Name}`}
                      onClick={() => setDialog({ kind: "edit", group: g })}
                    >
                      Edit
                    </button>
                    <button
                      type="button"
                      aria-label={`Copy ${g.Name}`}
                      onClick={() => setDialog({ kind: "copy", group: g })}
                    >
                      Copy
                    </button>
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Delete ${g.Name}`}
                      onClick={() => setDialog({ kind: "delete", group: g })}
                    >
                      Delete
                    </button>
                  </td>
                </tr>
              ))}
              {win.end < shown.length && (
                <tr class="spacer">
                  <td colSpan={7} style={{ height: `${(shown.length - win.end) * win.rowHeight}px` }} />
                </tr>
              )}
              {shown.length === 0 && (
                <tr>
                  <td colSpan={7}>{needle ? `No group matches “${search}”.` : "No security group here yet."}</td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager offset={offset} limit={limit} total={matching.length} onOffset={setOffset} label="Security group" />
        </>
      )}
      {dialog?.kind === "create" && (
        <CreateDialog
          region={props.region}
          project={props.project}
          vpc={vpc || vpcs[0]?.VPCId || ""}
          onClose={() => setDialog(undefined)}
        />
      )}
      {dialog?.kind === "edit" && (
        <EditDialog
          scope={scope}
          group={dialog.group}
          onClose={() => setDialog(undefined)}
          onDone={(m) => {
            setDialog(undefined);
            // The notice once the page shows the change it reports.
            void groups.reload().then(() => setNotice(m));
          }}
        />
      )}
      {dialog?.kind === "copy" && (
        <CopyDialog
          region={props.region}
          project={props.project}
          group={dialog.group}
          onClose={() => setDialog(undefined)}
          onDone={(m) => {
            setDialog(undefined);
            // The notice once the page shows the change it reports.
            void groups.reload().then(() => setNotice(m));
          }}
        />
      )}
      {dialog?.kind === "delete" && (
        <DeleteDialog
          scope={scope}
          group={dialog.group}
          onClose={() => setDialog(undefined)}
          onDone={(m) => {
            setDialog(undefined);
            // The notice once the page shows the change it reports.
            void groups.reload().then(() => setNotice(m));
          }}
        />
      )}
    </section>
  );
}

function fieldError(error: unknown, field: string): string | undefined {
  return error instanceof CallError && error.field?.toLowerCase() === field.toLowerCase() ? error.message : undefined;
}

function CreateDialog(props: {
  readonly region: string;
  readonly project: string;
  readonly vpc: string;
  readonly onClose: () => void;
}) {
  const { api, world } = useApp();
  const [name, setName] = useState("");
  const [vpc, setVpc] = useState(props.vpc);
  const [template, setTemplate] = useState("web");
  const [tag, setTag] = useState("");
  const [remark, setRemark] = useState("");
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const vpcs = vpcsOf(world, props.region, props.project);
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      setError(undefined);
      try {
        const made = await api.call(
          "CreateSecGroup",
          {
            VPCID: vpc,
            Name: name,
            ...(template !== "none" && { SecGroupRecommendation: template as "web" | "noweb" }),
            ...(tag && { Tag: tag }),
            ...(remark && { Remark: remark }),
          },
          { region: props.region, projectId: props.project },
        );
        navigate(href(props.region, props.project, "groups", made.SecGroupId));
      } catch (err) {
        setError(err);
      }
    });
  };
  const named = fieldError(error, "Name") ?? fieldError(error, "VPCID");
  return (
    <Dialog title="Create a security group" onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field label="Name" value={name} onValue={setName} required maxLength={64} error={fieldError(error, "Name")} />
        <Select
          label="VPC"
          value={vpc}
          options={vpcs.map((v) => [v.VPCId, `${v.Name} (${v.VPCId})`] as const)}
          onValue={setVpc}
          error={fieldError(error, "VPCID")}
        />
        <Select
          label="Template"
          value={template}
          options={[
            ["web", "Web: SSH, RDP, HTTP, HTTPS, ping and private networks in; all out"],
            ["noweb", "Non-web: no rules"],
            ["none", "None: a user-defined group, no rules"],
          ]}
          onValue={setTemplate}
        />
        <Field label="Tag" value={tag} onValue={setTag} maxLength={64} />
        <Field label="Remark" value={remark} onValue={setRemark} maxLength={256} />
        {named === undefined && <Alert error={error} />}
        <FormButtons label="Create" disabled={busy} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function EditDialog(props: {
  readonly scope: { region: string; projectId: string };
  readonly group: Group;
  readonly onClose: () => void;
  readonly onDone: (message: string) => void;
}) {
  const { api } = useApp();
  const [name, setName] = useState(props.group.Name);
  const [tag, setTag] = useState(props.group.Tag);
  const [remark, setRemark] = useState(props.group.Remark);
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      try {
        await api.call(
          "UpdateSecGroup",
          { SecGroupId: [props.group.SecGroupId], Name: name, Tag: tag, Remark: remark },
          props.scope,
        );
        props.onDone(`Saved ${name}.`);
      } catch (err) {
        setError(err);
      }
    });
  };
  return (
    <Dialog title={`Rename or tag ${props.group.Name}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        <Field label="Name" value={name} onValue={setName} maxLength={64} error={fieldError(error, "Name")} />
        <Field label="Tag" value={tag} onValue={setTag} maxLength={64} error={fieldError(error, "Tag")} />
        <Field label="Remark" value={remark} onValue={setRemark} maxLength={256} error={fieldError(error, "Remark")} />
        <Alert error={error} />
        <FormButtons label="Save" disabled={busy} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function CopyDialog(props: {
  readonly region: string;
  readonly project: string;
  readonly group: Group;
  readonly onClose: () => void;
  readonly onDone: (message: string) => void;
}) {
  const { api, world } = useApp();
  const [region, setRegion] = useState(props.region);
  const [project, setProject] = useState(props.project);
  const targets = vpcsOf(world, region, project);
  const [vpc, setVpc] = useState(targets[0]?.VPCId ?? "");
  const [name, setName] = useState(`${props.group.Name}-copy`);
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const vpcValue = targets.some((v) => v.VPCId === vpc) ? vpc : (targets[0]?.VPCId ?? "");
  const submit = (e: Event) => {
    e.preventDefault();
    void run(async () => {
      try {
        const made = await api.call(
          "CopySecGroup",
          {
            SecGroupId: props.group.SecGroupId,
            DstRegion: region,
            DstProjectId: project,
            DstVPCId: vpcValue,
            DstName: name,
          },
          { region: props.region, projectId: props.project },
        );
        props.onDone(`Copied ${props.group.Name} to ${made.SecGroupId} (${region}, ${project}, ${vpcValue}).`);
      } catch (err) {
        setError(err);
      }
    });
  };
  return (
    <Dialog title={`Copy ${props.group.Name}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        <Select label="Region" value={region} options={world.regions.map((r) => [r, r] as const)} onValue={setRegion} />
        <Select
          label="Project"
          value={project}
          options={projectsOf(world).map((p) => [p.ProjectId, `${p.Name} (${p.ProjectId})`] as const)}
          onValue={setProject}
        />
        <Select
          label="VPC"
          value={vpcValue}
          options={targets.map((v) => [v.VPCId, `${v.Name} (${v.VPCId})`] as const)}
          onValue={setVpc}
          error={targets.length === 0 ? "No VPC in this region and project." : fieldError(error, "DstVPCId")}
        />
        <Field
          label="Name of the copy"
          value={name}
          onValue={setName}
          maxLength={64}
          error={fieldError(error, "DstName")}
        />
        <Alert error={error} />
        <FormButtons label="Copy" disabled={busy || targets.length === 0} onCancel={props.onClose} />
      </form>
    </Dialog>
  );
}

function DeleteDialog(props: {
  readonly scope: { region: string; projectId: string };
  readonly group: Group;
  readonly onClose: () => void;
  readonly onDone: (message: string) => void;
}) {
  const { api } = useApp();
  const [bound, setBound] = useState<UnbindTarget[] | undefined>();
  const [unbinding, setUnbinding] = useState(false);
  const [error, setError] = useState<unknown>();
  const { busy, run } = useSingleFlight();
  const g = props.group;
  const remove = () =>
    run(async () => {
      setError(undefined);
      try {
        await api.call("DeleteSecGroup", { SecGroupId: [g.SecGroupId] }, props.scope);
        props.onDone(`Deleted ${g.Name} (${g.SecGroupId}).`);
      } catch (err) {
        setError(err);
        if (err instanceof CallError && err.retCode === 58207) {
          const list = await allPages(async (Offset, Limit) => {
            const page = await api.call(
              "DescribeSecGroupResource",
              { SecGroupId: g.SecGroupId, Offset, Limit },
              props.scope,
            );
            return { items: page.DataSet, total: page.TotalCount };
          });
          setBound(list.map((r) => ({ ResourceId: r.ResourceId, Name: r.Name })));
        }
      }
    });
  if (unbinding && bound !== undefined) {
    return (
      <UnbindDialog
        scope={props.scope}
        groupId={g.SecGroupId}
        targets={bound}
        whole={true}
        onClose={() => setUnbinding(false)}
        onDone={() => {
          setUnbinding(false);
          setBound([]);
          setError(undefined);
        }}
      />
    );
  }
  return (
    <Dialog title={`Delete ${g.Name}`} onClose={props.onClose}>
      <p>
        Delete the security group {g.Name} (<code>{g.SecGroupId}</code>) and its {g.Rule.length} rule(s)?
      </p>
      <Alert error={error} />
      {bound !== undefined && bound.length > 0 && (
        <div class="warning">
          <p>It is still bound to {bound.length} resource(s):</p>
          <ul>
            {bound.map((r) => (
              <li key={r.ResourceId}>
                {r.Name} (<code>{r.ResourceId}</code>)
              </li>
            ))}
          </ul>
          <button type="button" onClick={() => setUnbinding(true)}>
            Unbind all {bound.length}
          </button>
        </div>
      )}
      {bound !== undefined && bound.length === 0 && (
        <p role="status">Unbound from every resource: it can be deleted now.</p>
      )}
      <div class="buttons">
        <button type="button" class="danger" disabled={busy} onClick={() => void remove()}>
          Delete
        </button>
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
