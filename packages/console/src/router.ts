// Hash routes, so every page has a URL to bookmark and share and the server needs no route of its own:
//   #/signin, #/<region>/<project>/groups[?vpc=&q=], #/<region>/<project>/groups/<id>,
//   #/<region>/<project>/resources[/<id>], #/activity, #/admin/<tab>
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { readonly page: "signin" }
  | { readonly page: "home" }
  | { readonly page: "groups"; readonly region: string; readonly project: string; readonly query: URLSearchParams }
  | { readonly page: "group"; readonly region: string; readonly project: string; readonly id: string }
  | { readonly page: "resources"; readonly region: string; readonly project: string; readonly query: URLSearchParams }
  | { readonly page: "resource"; readonly region: string; readonly project: string; readonly id: string }
  | { readonly page: "activity"; readonly query: URLSearchParams }
  | { readonly page: "admin"; readonly tab: string }
  | { readonly page: "notfound"; readonly path: string };

export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const mark = text.indexOf("?");
  const path = mark === -1 ? text : text.slice(0, mark);
  const query = new URLSearchParams(mark === -1 ? "" : text.slice(mark + 1));
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const [a, b, c, d] = parts;
  if (parts.length === 0) return { page: "home" };
  if (a === "signin") return { page: "signin" };
  if (a === "activity") return { page: "activity", query };
  if (a === "admin") return { page: "admin", tab: b ?? "companies" };
  if (a !== undefined && b !== undefined) {
    if (c === "groups" && d === undefined) return { page: "groups", region: a, project: b, query };
    if (c === "groups" && d !== undefined) return { page: "group", region: a, project: b, id: d };
    if (c === "resources" && d === undefined) return { page: "resources", region: a, project: b, query };
    if (c === "resources" && d !== undefined) return { page: "resource", region: a, project: b, id: d };
  }
  return { page: "notfound", path };
}

export function href(...parts: readonly string[]): string {
  return `#/${parts.map(encodeURIComponent).join("/")}`;
}

export function navigate(to: string): void {
  if (location.hash !== to) location.hash = to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(location.hash));
    addEventListener("hashchange", onChange);
    return () => removeEventListener("hashchange", onChange);
  }, []);
  return route;
}
