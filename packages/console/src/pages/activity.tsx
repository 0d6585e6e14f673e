// The audit trail (who, what, when, RetCode), filterable and paged; and the live feed of changes as they commit.
import { useState } from "preact/hooks";
import { useApp, useLoad } from "../app-context.ts";
import { Alert, Field, Pager, Select } from "../ui/widgets.tsx";

const LIMIT = 50;

export function Activity(props: { readonly query: URLSearchParams }) {
  const { api, recentEvents } = useApp();
  const [action, setAction] = useState(props.query.get("action") ?? "");
  const [user, setUser] = useState(props.query.get("user") ?? "");
  const [target, setTarget] = useState(props.query.get("id") ?? "");
  const [outcome, setOutcome] = useState(props.query.get("outcome") ?? "");
  const [offset, setOffset] = useState(0);
  const [applied, setApplied] = useState({ action, user, target, outcome });
  const records = useLoad(async () => {
    const id = applied.target.trim();
    return api.call("DescribeAuditRecords", {
      Offset: offset,
      Limit: LIMIT,
      ...(applied.action.trim() && {
        Actions: applied.action
          .split(",")
          .map((a) => a.trim())
          .filter(Boolean),
      }),
      ...(applied.user.trim() && { UserName: applied.user.trim() }),
      ...(id.startsWith("secgroup-") ? { SecGroupId: id } : id ? { ResourceId: id } : {}),
      ...(applied.outcome !== "" && { Failed: applied.outcome === "failed" }),
    });
  }, [applied, offset]);
  const submit = (e: Event) => {
    e.preventDefault();
    setOffset(0);
    setApplied({ action, user, target, outcome });
    const q = new URLSearchParams(Object.entries({ action, user, id: target, outcome }).filter(([, v]) => v !== ""));
    history.replaceState(null, "", `#/activity${q.size > 0 ? `?${q}` : ""}`);
  };
  return (
    <>
      <h1>Activity</h1>
      <section aria-labelledby="live-title">
        <h2 id="live-title">Live changes</h2>
        <p class="meta">
          Changes committed since this page was opened, by anyone (CLI, SDK, another browser), newest first.
        </p>
        <table class="list" aria-label="Live changes">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Change</th>
              <th scope="col">Object</th>
              <th scope="col">Action</th>
            </tr>
          </thead>
          <tbody>
            {recentEvents.slice(0, 20).map((e) => (
              <tr key={e.Cursor}>
                <td>{new Date(e.Time).toISOString().slice(11, 19)}</td>
                <td>{e.Type}</td>
                <td>
                  <code>{e.ObjectId}</code>
                </td>
                <td>{e.Action}</td>
              </tr>
            ))}
            {recentEvents.length === 0 && (
              <tr>
                <td colSpan={4}>Nothing yet: changes appear here as they are committed.</td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="audit-title">
        <h2 id="audit-title">Audit trail</h2>
        <form class="toolbar" onSubmit={submit}>
          <Field label="Actions (comma-separated)" value={action} onValue={setAction} placeholder="DeleteSecGroup" />
          <Field label="User" value={user} onValue={setUser} />
          <Field label="Group or resource id" value={target} onValue={setTarget} />
          <Select
            label="Outcome"
            value={outcome}
            options={[
              ["", "Any"],
              ["ok", "Accepted"],
              ["failed", "Refused"],
            ]}
            onValue={setOutcome}
          />
          <button type="submit" class="primary">
            Filter
          </button>
        </form>
        <Alert error={records.error} onRetry={records.reload} />
        {records.data && (
          <>
            <table class="list" aria-label="Audit records">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Who</th>
                  <th scope="col">Action</th>
                  <th scope="col">RetCode</th>
                  <th scope="col">Message</th>
                </tr>
              </thead>
              <tbody>
                {records.data.Records.map((r) => (
                  <tr key={r.Id} class={r.RetCode === 0 ? "" : "refused"}>
                    <td>{new Date(r.Time).toISOString().replace("T", " ").slice(0, 19)}</td>
                    <td>
                      {r.UserName || "?"} <code>{r.PublicKey}</code>
                    </td>
                    <td>{r.Action}</td>
                    <td>{r.RetCode}</td>
                    <td>{r.Message}</td>
                  </tr>
                ))}
                {records.data.Records.length === 0 && (
                  <tr>
                    <td colSpan={5}>No call matches.</td>
                  </tr>
                )}
              </tbody>
            </table>
            <Pager
              offset={offset}
              limit={LIMIT}
              total={records.data.TotalCount}
              onOffset={setOffset}
              label="Audit record"
            />
          </>
        )}
      </section>
    </>
  );
}
