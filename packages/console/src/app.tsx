// The shell: sign-in gate, header with navigation and scope pickers, live-feed status, and the routed page.
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import { Api } from "./api/client.ts";
import { type FeedEvent, type FeedStatus, followFeed } from "./api/feed.ts";
import { clearSession, loadSession, type Session, saveSession } from "./api/session.ts";
import { AppContext, type AppState } from "./app-context.ts";
import { Activity } from "./pages/activity.tsx";
import { Admin } from "./pages/admin.tsx";
import { GroupPage } from "./pages/group.tsx";
import { Groups } from "./pages/groups.tsx";
import { ResourcePage } from "./pages/resource.tsx";
import { Resources } from "./pages/resources.tsx";
import { SignIn } from "./pages/sign-in.tsx";
import { href, navigate, type Route, useRoute } from "./router.ts";
import { Alert, Select } from "./ui/widgets.tsx";
import { homeScope, loadWorld, projectsOf, type World } from "./world.ts";

export function App(props: { readonly baseUrl: string }) {
  const [session, setSession] = useState<Session | undefined>(() => loadSession());
  const [world, setWorld] = useState<World | undefined>();
  const [worldError, setWorldError] = useState<unknown>();
  const api = useMemo(
    () => (session ? new Api({ baseUrl: props.baseUrl, key: session }) : undefined),
    [session, props.baseUrl],
  );

  // A reload of the tab keeps the session; the world is fetched again.
  useEffect(() => {
    if (api === undefined || world !== undefined) return;
    loadWorld(api).then(setWorld, setWorldError);
  }, [api, world]);

  const signOut = useCallback(() => {
    clearSession();
    setSession(undefined);
    setWorld(undefined);
    setWorldError(undefined);
    navigate("#/signin");
  }, []);

  if (session === undefined || api === undefined) {
    return (
      <SignIn
        baseUrl={props.baseUrl}
        onSignedIn={(s, w) => {
          saveSession(s);
          setSession(s);
          setWorld(w);
          const home = homeScope(w);
          navigate(
            s.role === "operator"
              ? "#/admin/companies"
              : home
                ? href(home.region, home.project, "groups")
                : "#/activity",
          );
        }}
      />
    );
  }
  if (world === undefined) {
    return (
      <main id="main">
        <h1>sgplane console</h1>
        {worldError === undefined ? (
          <p role="status">Loading…</p>
        ) : (
          <Alert error={worldError} onRetry={() => setWorldError(undefined)} />
        )}
        {worldError !== undefined && (
          <button
            type="button"
            onClick={() => {
              setWorldError(undefined);
              void loadWorld(api).then(setWorld, setWorldError);
            }}
          >
            Try again
          </button>
        )}
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </main>
    );
  }
  return <SignedIn api={api} session={session} world={world} setWorld={setWorld} signOut={signOut} />;
}

function SignedIn(props: {
  readonly api: Api;
  readonly session: Session;
  readonly world: World;
  readonly setWorld: (w: World) => void;
  readonly signOut: () => void;
}) {
  const { api, session, world } = props;
  const route = useRoute();
  const [changes, setChanges] = useState(0);
  const [recentEvents, setRecent] = useState<readonly FeedEvent[]>([]);
  const [feed, setFeed] = useState<{ status: FeedStatus; detail?: string | undefined }>({ status: "connecting" });

  const reloadWorld = useCallback(async () => {
    props.setWorld(await loadWorld(api));
  }, [api, props.setWorld]);

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = followFeed(api, {
      onEvents: (events) => {
        setRecent((old) => [...events].reverse().concat(old).slice(0, 200));
        // A burst of changes (a CLI script) reloads the open page once, not once per event.
        clearTimeout(timer);
        timer = setTimeout(() => setChanges((n) => n + 1), 150);
        if (events.some((e) => ["Project", "VPC", "Company", "Resource", "Key", "User"].includes(e.Kind))) {
          void loadWorld(api).then(props.setWorld, () => undefined);
        }
      },
      onStatus: (status, detail) => setFeed({ status, detail }),
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [api, props.setWorld]);

  const state: AppState = { api, session, world, changes, recentEvents, reloadWorld };
  const home = homeScope(world);
  const scope = "region" in route ? { region: route.region, project: route.project } : home;
  return (
    <AppContext.Provider value={state}>
      {/* A button, not a link: a "#main" link would be taken for a route. */}
      <button type="button" class="skip" onClick={() => document.getElementById("main")?.focus()}>
        Skip to content
      </button>
      <header>
        <span class="brand">sgplane</span>
        <nav aria-label="Main">
          {session.role !== "operator" && scope && (
            <>
              <a
                href={href(scope.region, scope.project, "groups")}
                aria-current={route.page === "groups" || route.page === "group" ? "page" : undefined}
              >
                Security groups
              </a>
              <a
                href={href(scope.region, scope.project, "resources")}
                aria-current={route.page === "resources" || route.page === "resource" ? "page" : undefined}
              >
                Resources
              </a>
            </>
          )}
          <a href="#/activity" aria-current={route.page === "activity" ? "page" : undefined}>
            Activity
          </a>
          {session.role === "operator" && (
            <a href="#/admin/companies" aria-current={route.page === "admin" ? "page" : undefined}>
              Admin
            </a>
          )}
        </nav>
        {session.role !== "operator" && scope && (
          <ScopePickers world={world} route={route} region={scope.region} project={scope.project} />
        )}
        <span class={`live live-${feed.status}`} role="status" title={feed.detail}>
          {feed.status === "live"
            ? "Live"
            : feed.status === "paused"
              ? "Live updates paused, retrying"
              : feed.status === "off"
                ? "No live updates"
                : "Connecting…"}
        </span>
        <span class="who">
          {session.publicKey} ({session.role === "subaccount" ? "sub-account" : session.role})
        </span>
        <button type="button" onClick={props.signOut}>
          Sign out
        </button>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} home={home} role={session.role} />
      </main>
    </AppContext.Provider>
  );
}

function ScopePickers(props: {
  readonly world: World;
  readonly route: Route;
  readonly region: string;
  readonly project: string;
}) {
  const page = props.route.page === "resources" || props.route.page === "resource" ? "resources" : "groups";
  const projects = projectsOf(props.world);
  return (
    <span class="pickers">
      <Select
        label="Region"
        value={props.region}
        options={props.world.regions.map((r) => [r, r] as const)}
        onValue={(r) => navigate(href(r, props.project, page))}
      />
      <Select
        label="Project"
        value={props.project}
        options={projects.map((p) => [p.ProjectId, `${p.Name} (${p.ProjectId})`] as const)}
        onValue={(p) => navigate(href(props.region, p, page))}
      />
    </span>
  );
}

function Page(props: {
  readonly route: Route;
  readonly home: { region: string; project: string } | undefined;
  readonly role: Session["role"];
}) {
  const { route } = props;
  switch (route.page) {
    case "signin":
    case "home":
      return (
        <Redirect
          to={
            props.role === "operator"
              ? "#/admin/companies"
              : props.home
                ? href(props.home.region, props.home.project, "groups")
                : "#/activity"
          }
        />
      );
    case "groups":
      return <Groups region={route.region} project={route.project} query={route.query} />;
    case "group":
      return <GroupPage region={route.region} project={route.project} id={route.id} />;
    case "resources":
      return <Resources region={route.region} project={route.project} query={route.query} />;
    case "resource":
      return <ResourcePage region={route.region} project={route.project} id={route.id} />;
    case "activity":
      return <Activity query={route.query} />;
    case "admin":
      return props.role === "operator" ? (
        <Admin tab={route.tab} />
      ) : (
        <p role="alert">The admin pages need an operator key.</p>
      );
    case "notfound":
      return (
        <>
          <h1>Page not found</h1>
          <p>
            Nothing lives at <code>{route.path}</code>. <a href="#/">Back to the start</a>.
          </p>
        </>
      );
  }
}

/** Goes to another route once rendered (navigating during a render would change state in the middle of it). */
function Redirect(props: { readonly to: string }) {
  useEffect(() => navigate(props.to), [props.to]);
  return null;
}
