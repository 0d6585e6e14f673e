// Shared by the feed and audit e2e tests: a two-company world, a typed client per key, signed raw requests (to set
// headers the SDK does not), and a Server-Sent Events reader for GET /feed that can stop reading its socket.
import { get, type IncomingMessage } from "node:http";
import type { ActionInput, feedModels } from "@sgplane/catalogue";
import { Client, SgplaneClient } from "@sgplane/sdk";
import { OPERATOR, type ServerProcess } from "./harness.ts";

export interface Key {
  readonly publicKey: string;
  readonly privateKey: string;
}

export const CO_A = 71001;
export const CO_B = 72002;
export const A1 = "org-fa1";
export const A2 = "org-fa2";
export const B1 = "org-fb1";
export const KEYS = {
  aRoot: { publicKey: "fa-root-pub", privateKey: "fa-root-priv-3c9d1e" },
  /** Sub-account of A granted A1 only. */
  aDev: { publicKey: "fa-dev-pub", privateKey: "fa-dev-priv-8b2f07" },
  bRoot: { publicKey: "fb-root-pub", privateKey: "fb-root-priv-41aa5c" },
  operator: OPERATOR,
} as const;

/** The objects of one place (company, project). */
export interface Place {
  readonly company: number;
  readonly project: string;
  readonly vpc: string;
  readonly host: string;
  readonly group: string;
  readonly rule: string;
  readonly key: Key;
}

export const PA1: Place = {
  company: CO_A,
  project: A1,
  vpc: "uvnet-fa1",
  host: "uhost-fa1",
  group: "secgroup-fa1",
  rule: "rule-fa1",
  key: KEYS.aRoot,
};
export const PA2: Place = {
  company: CO_A,
  project: A2,
  vpc: "uvnet-fa2",
  host: "uhost-fa2",
  group: "secgroup-fa2",
  rule: "rule-fa2",
  key: KEYS.aRoot,
};
export const PB1: Place = {
  company: CO_B,
  project: B1,
  vpc: "uvnet-fb1",
  host: "uhost-fb1",
  group: "secgroup-fb1",
  rule: "rule-fb1",
  key: KEYS.bRoot,
};

const keyEntry = (k: Key) => ({ PublicKey: k.publicKey, PrivateKey: k.privateKey });

function placeEntries(p: Place) {
  const at = { Region: "cn-bj2", ProjectId: p.project, VPCId: p.vpc };
  return {
    VPCs: [{ VPCId: p.vpc, Region: "cn-bj2", ProjectId: p.project, Name: `vpc-${p.vpc}` }],
    Resources: [
      {
        ResourceId: p.host,
        ResourceType: "uhost",
        ...at,
        Name: `name-${p.host}`,
        SecurityMode: "SecGroup",
        PrivateIp: "10.0.0.2",
        Zone: 4001,
      },
    ],
    SecGroups: [
      {
        SecGroupId: p.group,
        ...at,
        Name: `name-${p.group}`,
        CreateTime: 1_750_000_000,
        Rules: [
          {
            RuleId: p.rule,
            Direction: "Ingress",
            ProtocolType: "TCP",
            DstPort: "22",
            IPRange: "10.0.0.0/8",
            Priority: 1,
            RuleAction: "Accept",
            Remark: "",
          },
        ],
      },
    ],
    Bindings: [{ ResourceId: p.host, SecGroupId: p.group, Priority: 1 }],
  };
}

export const WORLD = {
  Regions: ["cn-bj2"],
  Companies: [
    {
      CompanyId: CO_A,
      Name: "feed-a",
      Projects: [
        { ProjectId: A1, Name: "Default", Default: true },
        { ProjectId: A2, Name: "second" },
      ],
      Users: [
        { Name: "root", SubAccount: false, Keys: [keyEntry(KEYS.aRoot)] },
        { Name: "dev", SubAccount: true, Projects: [A1], Keys: [keyEntry(KEYS.aDev)] },
      ],
      Quotas: { RulesPerDirection: 1000 },
      VPCs: [...placeEntries(PA1).VPCs, ...placeEntries(PA2).VPCs],
      Resources: [...placeEntries(PA1).Resources, ...placeEntries(PA2).Resources],
      SecGroups: [...placeEntries(PA1).SecGroups, ...placeEntries(PA2).SecGroups],
      Bindings: [...placeEntries(PA1).Bindings, ...placeEntries(PA2).Bindings],
    },
    {
      CompanyId: CO_B,
      Name: "feed-b",
      Projects: [{ ProjectId: B1, Name: "Default", Default: true }],
      Users: [{ Name: "root", SubAccount: false, Keys: [keyEntry(KEYS.bRoot)] }],
      ...placeEntries(PB1),
    },
  ],
};

/** A typed client of this server for a key, optionally pinned to a project. */
export function sdk(server: ServerProcess, key: Key, projectId?: string): SgplaneClient {
  return new SgplaneClient({
    baseUrl: `${server.url}/`,
    region: "cn-bj2",
    ...key,
    ...(projectId !== undefined && { projectId }),
    retry: { maxAttempts: 1 },
  });
}

/** The untyped client (send(): any parameters, any answer). */
export function raw(server: ServerProcess, key: Key, projectId?: string): Client {
  return new Client({
    baseUrl: `${server.url}/`,
    region: "cn-bj2",
    ...key,
    ...(projectId !== undefined && { projectId }),
    retry: { maxAttempts: 1 },
  });
}

/** The signed parameters of a call as a query string (GET /feed; a hand-made POST). */
export function signedQuery(client: Client, action: string, params: Record<string, unknown>): string {
  const signed = client.signedParams(action, params);
  return new URLSearchParams(Object.entries(signed).map(([k, v]): [string, string] => [k, String(v)])).toString();
}

/** A signed form POST with extra headers; returns the envelope and the request id header. */
export async function signedPost(
  client: Client,
  action: string,
  params: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ body: Record<string, unknown>; requestId: string }> {
  const res = await fetch(client.options.baseUrl, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", ...headers },
    body: signedQuery(client, action, params),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { body, requestId: res.headers.get("x-ucloud-request-uuid") ?? "" };
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls until `probe` gives a value (not undefined), or fails after `ms`. */
export async function eventually<T>(what: string, probe: () => Promise<T | undefined>, ms = 10_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** Every event after `cursor` the client may see, page by page, up to the head at the time of the call. */
export async function eventsAfter(
  client: SgplaneClient,
  cursor: string,
  extra: Omit<ActionInput<"DescribeFeedEvents">, "After" | "WaitSeconds"> = {},
): Promise<{ events: feedModels.FeedEvent[]; cursor: string }> {
  const events: feedModels.FeedEvent[] = [];
  let after = cursor;
  for (let page = 0; page < 10_000; page++) {
    const reply = await client.describeFeedEvents({ ...extra, After: after });
    events.push(...reply.Events);
    after = reply.Cursor;
    const last = reply.Events[reply.Events.length - 1];
    if (reply.Events.length === 0 || (last !== undefined && last.Position >= reply.Head)) break;
  }
  return { events, cursor: after };
}

export interface SseMessage {
  readonly id: string | undefined;
  readonly event: string;
  readonly data: string;
}

/**
 * One GET /feed connection: parses the stream as it arrives (events, ids, comments), can stop reading its socket
 * (pause) to act as a slow follower, and tells when the server ended it.
 */
export class FeedStream {
  readonly messages: SseMessage[] = [];
  comments = 0;
  bytes = 0;
  #buffer = "";
  #ended = false;
  readonly #waiters = new Set<() => void>();
  readonly ended: Promise<void>;

  private constructor(
    readonly res: IncomingMessage,
    readonly close: () => void,
  ) {
    res.setEncoding("utf8");
    res.on("data", (chunk: string) => {
      this.bytes += Buffer.byteLength(chunk);
      this.#buffer += chunk;
      this.#parse();
    });
    this.ended = new Promise<void>((resolve) => {
      const done = () => {
        this.#ended = true;
        resolve();
        this.#notify();
      };
      res.on("end", done);
      res.on("close", done);
      res.on("error", done);
    });
  }

  static open(server: ServerProcess, query: string, lastEventId?: string): Promise<FeedStream> {
    return new Promise((resolve, reject) => {
      const req = get(
        `${server.url}/feed?${query}`,
        { agent: false, headers: lastEventId === undefined ? {} : { "Last-Event-ID": lastEventId } },
        (res) => resolve(new FeedStream(res, () => req.destroy())),
      );
      req.on("error", reject);
    });
  }

  /** Events proper (not ready, progress or error). */
  get events(): SseMessage[] {
    return this.messages.filter((m) => m.event !== "ready" && m.event !== "error" && m.event !== "progress");
  }

  /** The progress messages: the cursor past events this stream's filter left out. */
  get progress(): SseMessage[] {
    return this.messages.filter((m) => m.event === "progress");
  }

  get isEnded(): boolean {
    return this.#ended;
  }

  pause(): void {
    this.res.pause();
  }

  resume(): void {
    this.res.resume();
  }

  /** Resolves once `test` holds of what arrived so far; rejects after ms or when the stream ends first. */
  waitFor(what: string, test: (s: FeedStream) => boolean, ms = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (test(this)) {
          finish();
          resolve();
        } else if (this.#ended) {
          finish();
          reject(new Error(`stream ended before ${what} (${this.messages.length} messages)`));
        }
      };
      const finish = () => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`timed out waiting for ${what} (${this.messages.length} messages)`));
      }, ms);
      this.#waiters.add(check);
      check();
    });
  }

  #notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  #parse(): void {
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end === -1) break;
      const block = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + 2);
      let id: string | undefined;
      let event = "message";
      const data: string[] = [];
      let fields = 0;
      for (const line of block.split("\n")) {
        if (line.startsWith(":")) {
          this.comments++;
          continue;
        }
        const colon = line.indexOf(":");
        const name = colon === -1 ? line : line.slice(0, colon);
        const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
        fields++;
        if (name === "id") id = value;
        else if (name === "event") event = value;
        else if (name === "data") data.push(value);
      }
      if (fields > 0 && data.length > 0) this.messages.push({ id, event, data: data.join("\n") });
    }
    this.#notify();
  }
}

/** Opens GET /feed signed with this key (the query is a signed DescribeFeedEvents). */
export function openFeed(
  server: ServerProcess,
  key: Key,
  params: Record<string, unknown> = {},
  options: { lastEventId?: string; projectId?: string } = {},
): Promise<FeedStream> {
  const query = signedQuery(raw(server, key, options.projectId), "DescribeFeedEvents", params);
  return FeedStream.open(server, query, options.lastEventId);
}

export function parseEvent(m: SseMessage): feedModels.FeedEvent {
  return JSON.parse(m.data) as feedModels.FeedEvent;
}
