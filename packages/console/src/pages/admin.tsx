// Operator pages: companies, projects, keys, VPCs, the resource inventory, quotas, and export / import / reset of
// the whole state. They read the operator's snapshot and write through the Admin* actions.
import type { ActionInput } from "@sgplane/catalogue/wire";
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { CallError } from "../api/client.ts";
import { useApp, useSingleFlight } from "../app-context.ts";
import { Alert, Field, Notice, Select, useListSearch } from "../ui/widgets.tsx";

const TABS = [
  ["companies", "Companies"],
  ["projects", "Projects"],
  ["keys", "Keys"],
  ["vpcs", "VPCs"],
  ["resources", "Resources"],
  ["quotas", "Quotas"],
  ["state", "Export / import / reset"],
] as const;

export function Admin(props: { readonly tab: string }) {
  const tab = TABS.find(([id]) => id === props.tab) ?? TABS[0];
  return (
    <>
      <h1>Admin</h1>
      <nav class="tabs" aria-label="Admin">
        {TABS.map(([id, title]) => (
          <a key={id} href={`#/admin/${id}`} aria-current={id === tab[0] ? "page" : undefined}>
            {title}
          </a>
        ))}
      </nav>
      <section aria-label={tab[1]}>
        {tab[0] === "companies" && <Companies />}
        {tab[0] === "projects" && <Projects />}
        {tab[0] === "keys" && <Keys />}
        {tab[0] === "vpcs" && <Vpcs />}
        {tab[0] === "resources" && <Inventory />}
        {tab[0] === "quotas" && <Quotas />}
        {tab[0] === "state" && <State />}
      </section>
    </>
  );
}

/** A form that sends one admin call, shows the server's refusal beside the field it names, then reloads the world. */
function useAdminCall() {
  const { reloadWorld } = useApp();
  const [error, setError] = useState<unknown>();
  const [notice, setNotice] = useState<string | undefined>();
  const { busy, run } = useSingleFlight();
  const send = (done: string, call: () => Promise<unknown>) =>
    run(async () => {
      setError(undefined);
      setNotice(undefined);
      try {
        await call();
        setNotice(done);
        await reloadWorld();
      } catch (e) {
        setError(e);
      }
    });
  const fieldError = (name: string) =>
    error instanceof CallError && error.field?.toLowerCase() === name.toLowerCase() ? error.message : undefined;
  return { busy, send, error, notice, fieldError };
}

function Outcome(props: { readonly call: ReturnType<typeof useAdminCall> }) {
  return (
    <>
      {props.call.notice !== undefined && <Notice>{props.call.notice}</Notice>}
      <Alert error={props.call.error} />
    </>
  );
}

function Table(props: {
  readonly label: string;
  readonly head: readonly string[];
  readonly children: ComponentChildren;
}) {
  return (
    <table class="list" aria-label={props.label}>
      <thead>
        <tr>
          {props.head.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

function useSnapshot() {
  const { world } = useApp();
  const s = world.snapshot;
  return {
    companies: s?.Companies ?? [],
    projects: s?.Projects ?? [],
    users: s?.Users ?? [],
    keys: s?.Keys ?? [],
    vpcs: s?.VPCs ?? [],
    resources: s?.Resources ?? [],
    regions: world.regions,
  };
}

function companyOptions(companies: readonly { CompanyId: number; Name: string }[]) {
  return companies.map((c) => [String(c.CompanyId), `${c.Name} (${c.CompanyId})`] as const);
}

function Companies() {
  const { api } = useApp();
  const { companies, projects } = useSnapshot();
  const call = useAdminCall();
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [project, setProject] = useState("");
  return (
    <>
      <Table
        label="Companies"
        head={[
          "Id",
          "Name",
          "Projects",
          "Groups per company",
          "Groups per resource",
          "Resources per group",
          "Rules per direction",
        ]}
      >
        {companies.map((c) => (
          <tr key={c.CompanyId}>
            <td>{c.CompanyId}</td>
            <td>{c.Name}</td>
            <td>{projects.filter((p) => p.CompanyId === c.CompanyId).length}</td>
            <td>{c.SecGroupsPerCompany}</td>
            <td>{c.SecGroupsPerResource}</td>
            <td>{c.ResourcesPerSecGroup}</td>
            <td>{c.RulesPerDirection}</td>
          </tr>
        ))}
      </Table>
      <h2>Create a company</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void call.send(`Company ${name} saved.`, () =>
            api.call("AdminCreateCompany", {
              CompanyId: Number(id) || (id as unknown as number),
              Name: name,
              ProjectId: project,
            }),
          );
        }}
      >
        <Field
          label="Company id"
          value={id}
          onValue={setId}
          inputMode="numeric"
          required
          error={call.fieldError("CompanyId")}
        />
        <Field label="Name" value={name} onValue={setName} required error={call.fieldError("Name")} />
        <Field
          label="Default project id"
          value={project}
          onValue={setProject}
          required
          placeholder="org-…"
          error={call.fieldError("ProjectId")}
        />
        <button type="submit" class="primary" disabled={call.busy}>
          Create company
        </button>
      </form>
      <Outcome call={call} />
    </>
  );
}

function Projects() {
  const { api } = useApp();
  const { companies, projects } = useSnapshot();
  const call = useAdminCall();
  const [company, setCompany] = useState(String(companies[0]?.CompanyId ?? ""));
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  return (
    <>
      <Table label="Projects" head={["Project", "Name", "Company", "Default"]}>
        {projects.map((p) => (
          <tr key={p.ProjectId}>
            <td>
              <code>{p.ProjectId}</code>
            </td>
            <td>{p.Name}</td>
            <td>{p.CompanyId}</td>
            <td>{p.Default ? "yes" : ""}</td>
          </tr>
        ))}
      </Table>
      <h2>Create a project</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void call.send(`Project ${id} saved.`, () =>
            api.call("AdminCreateProject", { CompanyId: Number(company), ProjectId: id, Name: name }),
          );
        }}
      >
        <Select label="Company" value={company} options={companyOptions(companies)} onValue={setCompany} />
        <Field
          label="Project id"
          value={id}
          onValue={setId}
          required
          placeholder="org-…"
          error={call.fieldError("ProjectId")}
        />
        <Field label="Name" value={name} onValue={setName} required error={call.fieldError("Name")} />
        <button type="submit" class="primary" disabled={call.busy}>
          Create project
        </button>
      </form>
      <Outcome call={call} />
    </>
  );
}

function Keys() {
  const { api } = useApp();
  const { companies, keys, users } = useSnapshot();
  const call = useAdminCall();
  const [company, setCompany] = useState(String(companies[0]?.CompanyId ?? ""));
  const [user, setUser] = useState("");
  const [sub, setSub] = useState("no");
  const [projects, setProjects] = useState("");
  const [made, setMade] = useState<{ PublicKey: string; PrivateKey: string } | undefined>();
  return (
    <>
      <Table label="Keys" head={["Public key", "User", "Company", "Sub-account"]}>
        {keys.map((k) => (
          <tr key={k.PublicKey}>
            <td>
              <code>{k.PublicKey}</code>
            </td>
            <td>{k.UserName}</td>
            <td>{k.CompanyId}</td>
            <td>
              {users.find((u) => u.UserName === k.UserName && u.CompanyId === k.CompanyId)?.SubAccount ? "yes" : "no"}
            </td>
          </tr>
        ))}
      </Table>
      <h2>Create a key pair</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void call.send(`Key created for ${user}.`, async () => {
            const out = await api.call("AdminCreateKey", {
              CompanyId: Number(company),
              UserName: user,
              SubAccount: sub === "yes",
              ...(projects.trim() && { Projects: projects.split(",").map((p) => p.trim()) }),
            });
            setMade(out.Keys[0]);
          });
        }}
      >
        <Select label="Company" value={company} options={companyOptions(companies)} onValue={setCompany} />
        <Field label="User name" value={user} onValue={setUser} required error={call.fieldError("UserName")} />
        <Select
          label="Sub-account"
          value={sub}
          options={[
            ["no", "No (main account)"],
            ["yes", "Yes"],
          ]}
          onValue={setSub}
        />
        <Field
          label="Projects (sub-account, comma-separated)"
          value={projects}
          onValue={setProjects}
          error={call.fieldError("Projects")}
        />
        <button type="submit" class="primary" disabled={call.busy}>
          Create key
        </button>
      </form>
      <Outcome call={call} />
      {made && (
        <p role="status">
          New key pair — copy the private key now, it is not shown again: <code>{made.PublicKey}</code> /{" "}
          <code>{made.PrivateKey}</code>
        </p>
      )}
    </>
  );
}

function Vpcs() {
  const { api } = useApp();
  const { companies, projects, vpcs, regions } = useSnapshot();
  const call = useAdminCall();
  const [company, setCompany] = useState(String(companies[0]?.CompanyId ?? ""));
  const [region, setRegion] = useState(regions[0] ?? "");
  const [project, setProject] = useState("");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const own = projects.filter((p) => String(p.CompanyId) === company);
  return (
    <>
      <Table label="VPCs" head={["VPC", "Name", "Region", "Project", "Company"]}>
        {vpcs.map((v) => (
          <tr key={v.VPCId}>
            <td>
              <code>{v.VPCId}</code>
            </td>
            <td>{v.Name}</td>
            <td>{v.Region}</td>
            <td>{v.ProjectId}</td>
            <td>{v.CompanyId}</td>
          </tr>
        ))}
      </Table>
      <h2>Register a VPC</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          void call.send(`VPC ${id} saved.`, () =>
            api.call("AdminCreateVPC", {
              CompanyId: Number(company),
              Region: region,
              ProjectId: project || (own[0]?.ProjectId ?? ""),
              VPCId: id,
              Name: name,
            }),
          );
        }}
      >
        <Select label="Company" value={company} options={companyOptions(companies)} onValue={setCompany} />
        <Select label="Region" value={region} options={regions.map((r) => [r, r] as const)} onValue={setRegion} />
        <Select
          label="Project"
          value={project || (own[0]?.ProjectId ?? "")}
          options={own.map((p) => [p.ProjectId, `${p.Name} (${p.ProjectId})`] as const)}
          onValue={setProject}
        />
        <Field
          label="VPC id"
          value={id}
          onValue={setId}
          required
          placeholder="uvnet-…"
          error={call.fieldError("VPCId")}
        />
        <Field label="Name" value={name} onValue={setName} required error={call.fieldError("Name")} />
        <button type="submit" class="primary" disabled={call.busy}>
          Register VPC
        </button>
      </form>
      <Outcome call={call} />
    </>
  );
}

function Inventory() {
  const { api } = useApp();
  const { companies, vpcs, resources } = useSnapshot();
  const call = useAdminCall();
  const { search, setSearch, matches } = useListSearch();
  const [company, setCompany] = useState(String(companies[0]?.CompanyId ?? ""));
  const [vpc, setVpc] = useState("");
  const [id, setId] = useState("");
  const [name, setName] = useState("");
  const [ip, setIp] = useState("");
  const [mode, setMode] = useState("SecGroup");
  const shown = resources.filter((r) => matches(r.ResourceId, r.Name));
  const own = vpcs.filter((v) => String(v.CompanyId) === company);
  const target = own.find((v) => v.VPCId === vpc) ?? own[0];
  return (
    <>
      <Field label="Search resources" type="search" value={search} onValue={setSearch} />
      <Table label="Resources" head={["Resource", "Name", "Type", "Mode", "VPC", "Private IP", "Company", ""]}>
        {shown.slice(0, 200).map((r) => (
          <tr key={r.ResourceId}>
            <td>
              <code>{r.ResourceId}</code>
            </td>
            <td>{r.Name}</td>
            <td>{r.ResourceType}</td>
            <td>{r.SecurityMode}</td>
            <td>{r.VPCId}</td>
            <td>{r.PrivateIp}</td>
            <td>{r.CompanyId}</td>
            <td>
              <button
                type="button"
                class="danger"
                aria-label={`Deregister ${r.Name}`}
                disabled={call.busy}
                onClick={() =>
                  void call.send(`${r.ResourceId} deregistered.`, () =>
                    api.call("AdminDeregisterResource", { ResourceId: r.ResourceId, Force: true }),
                  )
                }
              >
                Deregister
              </button>
            </td>
          </tr>
        ))}
      </Table>
      {shown.length > 200 && <p>Showing 200 of {shown.length}: narrow the search.</p>}
      <h2>Register a resource</h2>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          if (target === undefined) return;
          void call.send(`${id} registered.`, () =>
            api.call("AdminRegisterResource", {
              CompanyId: Number(company),
              ResourceId: id,
              ResourceType: "uhost",
              Region: target.Region,
              ProjectId: target.ProjectId,
              VPCId: target.VPCId,
              Name: name,
              SecurityMode: mode as "SecGroup" | "Firewall",
              ...(ip.trim() && { PrivateIp: ip.trim() }),
            }),
          );
        }}
      >
        <Select label="Company" value={company} options={companyOptions(companies)} onValue={setCompany} />
        <Select
          label="VPC"
          value={target?.VPCId ?? ""}
          options={own.map((v) => [v.VPCId, `${v.Name} (${v.VPCId}, ${v.Region})`] as const)}
          onValue={setVpc}
        />
        <Field
          label="Resource id"
          value={id}
          onValue={setId}
          required
          placeholder="uhost-…"
          error={call.fieldError("ResourceId")}
        />
        <Field label="Name" value={name} onValue={setName} required error={call.fieldError("Name")} />
        <Field label="Private IP" value={ip} onValue={setIp} error={call.fieldError("PrivateIp")} />
        <Select
          label="Mode"
          value={mode}
          options={[
            ["SecGroup", "Security groups"],
            ["Firewall", "Firewall"],
          ]}
          onValue={setMode}
        />
        <button type="submit" class="primary" disabled={call.busy || target === undefined}>
          Register
        </button>
      </form>
      <Outcome call={call} />
    </>
  );
}

function Quotas() {
  const { api } = useApp();
  const { companies } = useSnapshot();
  const call = useAdminCall();
  const [company, setCompany] = useState(String(companies[0]?.CompanyId ?? ""));
  const current = companies.find((c) => String(c.CompanyId) === company);
  const [values, setValues] = useState<Record<string, string>>({});
  const fields = ["SecGroupsPerCompany", "SecGroupsPerResource", "ResourcesPerSecGroup", "RulesPerDirection"] as const;
  return (
    <>
      <form
        class="grid"
        onSubmit={(e) => {
          e.preventDefault();
          const changed = Object.fromEntries(
            Object.entries(values)
              .filter(([, v]) => v.trim() !== "")
              .map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]),
          );
          void call.send(`Quotas of ${company} saved.`, () =>
            api.call("AdminSetQuota", { CompanyId: Number(company), ...changed }),
          );
        }}
      >
        <Select
          label="Company"
          value={company}
          options={companyOptions(companies)}
          onValue={(c) => {
            setCompany(c);
            setValues({});
          }}
        />
        {fields.map((f) => (
          <Field
            key={f}
            label={f}
            value={values[f] ?? String(current?.[f] ?? "")}
            onValue={(v) => setValues((o) => ({ ...o, [f]: v }))}
            inputMode="numeric"
            error={call.fieldError(f)}
          />
        ))}
        <button type="submit" class="primary" disabled={call.busy}>
          Save quotas
        </button>
      </form>
      <Outcome call={call} />
    </>
  );
}

function State() {
  const { api } = useApp();
  const call = useAdminCall();
  const [exported, setExported] = useState<string | undefined>();
  const [importText, setImportText] = useState("");
  const [confirm, setConfirm] = useState("");
  return (
    <>
      <h2>Export</h2>
      <button
        type="button"
        disabled={call.busy}
        onClick={() =>
          void call.send("State exported.", async () => {
            const out = await api.call("AdminExportState", {});
            setExported(JSON.stringify(out.State, null, 2));
          })
        }
      >
        Export the whole state
      </button>
      {exported !== undefined && (
        <>
          <a
            download="sgplane-state.json"
            href={URL.createObjectURL(new Blob([exported], { type: "application/json" }))}
          >
            Download sgplane-state.json
          </a>
          <label for="exported-state">Exported state</label>
          <textarea id="exported-state" readOnly value={exported} />
        </>
      )}
      <h2>Import</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void call.send("State imported.", async () => {
            let state: unknown;
            try {
              state = JSON.parse(importText);
            } catch (err) {
              throw new Error(`The text is not JSON: ${(err as Error).message}`);
            }
            // The state travels as one JSON text, as the SDK sends it (flattening would lose the document's shape).
            // The wire takes the document as JSON text; the catalogue types the field as the decoded document.
            const State = JSON.stringify(state) as unknown as ActionInput<"AdminImportState">["State"];
            await api.call("AdminImportState", { State });
          });
        }}
      >
        <label for="import-state">State in the seed format (JSON)</label>
        <textarea id="import-state" value={importText} onInput={(e) => setImportText(e.currentTarget.value)} />
        <button type="submit" class="primary" disabled={call.busy || importText.trim() === ""}>
          Import
        </button>
      </form>
      <h2>Reset</h2>
      <p>Deletes every company and everything in it; operator keys from the configuration stay.</p>
      <Field label="Type reset to confirm" value={confirm} onValue={setConfirm} />
      <button
        type="button"
        class="danger"
        disabled={call.busy || confirm !== "reset"}
        onClick={() => void call.send("Every company was deleted.", () => api.call("AdminReset", {}))}
      >
        Reset the state
      </button>
      <Outcome call={call} />
    </>
  );
}
