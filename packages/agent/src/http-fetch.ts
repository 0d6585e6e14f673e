// The agent's HTTP calls through node:http on kept-alive sockets instead of the global fetch: undici's fetch (web
// streams, a cloned request, its own body machinery) costs ~1 ms of CPU a call more, and an agent makes a call (its
// long poll) for every change it applies. Only what the SDK's client reads is provided: the body as text, or as a
// stream of chunks (the feed's event stream).
import http from "node:http";
import https from "node:https";
import type { FetchedResponse, FetchLike } from "@sgplane/sdk";

export function nodeHttpFetch(): FetchLike & { close(): void } {
  const agents = {
    "http:": new http.Agent({ keepAlive: true, maxSockets: 4 }),
    "https:": new https.Agent({ keepAlive: true, maxSockets: 4 }),
  };
  const call: FetchLike = (url, init) =>
    new Promise<FetchedResponse>((resolve, reject) => {
      const target = new URL(url);
      const secure = target.protocol === "https:";
      if (!secure && target.protocol !== "http:") {
        reject(new TypeError(`unsupported protocol ${target.protocol}`));
        return;
      }
      const { signal } = init;
      if (signal.aborted) {
        reject(signal.reason);
        return;
      }
      const request = (secure ? https : http).request(target, {
        method: init.method,
        agent: agents[secure ? "https:" : "http:"],
        headers:
          init.body === undefined
            ? init.headers
            : { ...init.headers, "Content-Length": String(Buffer.byteLength(init.body)) },
      });
      const abort = () => request.destroy(signal.reason instanceof Error ? signal.reason : new Error("aborted"));
      signal.addEventListener("abort", abort, { once: true });
      const done = () => signal.removeEventListener("abort", abort);
      request.once("error", (error) => {
        done();
        reject(error);
      });
      request.once("response", (response) => {
        // Read as the caller asks: the whole body (text), or chunk by chunk (stream: the feed's events never end).
        const text = () =>
          new Promise<string>((resolveBody, rejectBody) => {
            const chunks: Buffer[] = [];
            response.on("data", (chunk: Buffer) => chunks.push(chunk));
            response.once("end", () => {
              done();
              resolveBody(Buffer.concat(chunks).toString("utf8"));
            });
            response.once("error", (error) => {
              done();
              rejectBody(error);
            });
            response.once("aborted", () => {
              done();
              rejectBody(new Error("the answer was cut off"));
            });
          });
        async function* stream(): AsyncGenerator<string, undefined> {
          response.setEncoding("utf8");
          try {
            for await (const chunk of response) yield chunk as string;
          } finally {
            done();
            response.destroy();
          }
          return undefined;
        }
        resolve({
          status: response.statusCode ?? 0,
          headers: {
            get: (name) => {
              const value = response.headers[name.toLowerCase()];
              return value === undefined ? null : Array.isArray(value) ? value.join(", ") : value;
            },
          },
          text,
          stream,
        });
      });
      request.end(init.body);
    });
  return Object.assign(call, {
    close() {
      agents["http:"].destroy();
      agents["https:"].destroy();
    },
  });
}
