// Resources of a region/project with their groups in binding order: searchable, paged, filtered by VPC.
import { useApp, useLoad } from "../app-context.ts";
import { href, navigate } from "../router.ts";
import { Alert, allPages, Field, Pager, Select, useListSearch } from "../ui/widgets.tsx";
import { vpcsOf } from "../world.ts";

export function Resources(props: {
  readonly region: string;
  readonly project: string;
  readonly query: URLSearchParams;
}) {
  const { api, world } = useApp();
  const vpc = props.query.get("vpc") ?? "";
  const { search, setSearch, needle, offset, setOffset, matches } = useListSearch();
  const limit = 50;
  const list = useLoad(
    () =>
      allPages(async (Offset, Limit) => {
        const page = await api.call(
          "DescribeResourceSecGroup",
          { Offset, Limit, ...(vpc && { VPCId: vpc }) },
          { region: props.region, projectId: props.project },
        );
        return { items: page.DataSet, total: page.TotalCount };
      }),
    [props.region, props.project, vpc],
  );
  const rows = (list.data ?? []).filter((r) => matches(r.ResourceId, r.ResourceName));
  return (
    <section aria-labelledby="resources-title">
      <h1 id="resources-title">
        Resources{" "}
        <small>
          {props.region} · {props.project}
        </small>
      </h1>
      <div class="toolbar">
        <Field label="Search" type="search" placeholder="name or id" value={search} onValue={setSearch} />
        <Select
          label="VPC"
          value={vpc}
          options={[
            ["", "All VPCs"],
            ...vpcsOf(world, props.region, props.project).map((v) => [v.VPCId, `${v.Name} (${v.VPCId})`] as const),
          ]}
          onValue={(v) =>
            navigate(`${href(props.region, props.project, "resources")}${v ? `?vpc=${encodeURIComponent(v)}` : ""}`)
          }
        />
      </div>
      <Alert error={list.error} onRetry={list.reload} />
      {list.data === undefined && list.error === undefined && <p role="status">Loading resources…</p>}
      {list.data !== undefined && (
        <>
          <table class="list" aria-label="Resources">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Resource</th>
                <th scope="col">Mode</th>
                <th scope="col">Groups, in evaluation order</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(offset, offset + limit).map((r) => (
                <tr key={r.ResourceId}>
                  <td>
                    <a href={href(props.region, props.project, "resources", r.ResourceId)}>{r.ResourceName}</a>
                  </td>
                  <td>
                    <code>{r.ResourceId}</code>
                  </td>
                  <td>{r.PermitAssociate ? "security groups" : "firewall"}</td>
                  <td>{r.SecGroupInfo.map((g) => `${g.Priority}. ${g.Name}`).join(", ") || "none"}</td>
                </tr>
              ))}
              {rows.length === 0 && (
                <tr>
                  <td colSpan={4}>{needle ? `No resource matches “${search}”.` : "No resource here."}</td>
                </tr>
              )}
            </tbody>
          </table>
          <Pager offset={offset} limit={limit} total={rows.length} onOffset={setOffset} label="Resource" />
        </>
      )}
    </section>
  );
}
