// Server-Sent Events as they arrive: text chunks in, whole messages out (the WHATWG event-stream format, with the
// line endings sgplane and proxies send: "\n" or "\r\n").
export interface SseMessage {
  /** The `event:` field; "message" when the message had none. */
  readonly event: string;
  /** The `data:` lines, joined with "\n". */
  readonly data: string;
  /** The `id:` field of this message, if it had one. */
  readonly id: string | undefined;
}

export class SseParser {
  #partial = "";
  #event = "";
  #data: string[] = [];
  #id: string | undefined;

  /** The messages a chunk completes; a message split across chunks comes out with the chunk that ends it. */
  push(chunk: string): SseMessage[] {
    const text = this.#partial + chunk;
    const lines = text.split("\n");
    this.#partial = lines.pop() ?? "";
    const out: SseMessage[] = [];
    for (const raw of lines) {
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (line === "") {
        if (this.#data.length > 0)
          out.push({ event: this.#event || "message", data: this.#data.join("\n"), id: this.#id });
        this.#event = "";
        this.#data = [];
        this.#id = undefined;
        continue;
      }
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? "" : line.slice(colon + 1);
      if (value.startsWith(" ")) value = value.slice(1);
      if (field === "event") this.#event = value;
      else if (field === "data") this.#data.push(value);
      else if (field === "id" && !value.includes("\0")) this.#id = value;
      // `retry:` and unknown fields: nothing to do (the follower has its own backoff).
    }
    return out;
  }
}

/** The messages of a stream of text chunks, in order. */
export async function* sseMessages(chunks: AsyncIterable<string>): AsyncGenerator<SseMessage, undefined> {
  const parser = new SseParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  return undefined;
}
