import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SseParser, sseMessages } from "./event-stream.ts";

describe("SseParser", () => {
  it("parses typed messages with ids, joins data lines, skips comments and retry", () => {
    const p = new SseParser();
    const got = p.push(
      'retry: 1000\nid: c1\nevent: ready\ndata: {"Head":3}\n\n: keepalive\n\nevent: x\ndata: a\ndata: b\n\n',
    );
    assert.deepEqual(got, [
      { event: "ready", data: '{"Head":3}', id: "c1" },
      { event: "x", data: "a\nb", id: undefined },
    ]);
  });

  it("keeps a message split anywhere across chunks until the chunk that ends it", () => {
    const text = 'id: 7\nevent: SecGroupUpdated\ndata: {"a":1}\r\n\r\nevent: ready\ndata: {}\n\n';
    for (let cut = 1; cut < text.length; cut++) {
      const p = new SseParser();
      const got = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      assert.deepEqual(
        got,
        [
          { event: "SecGroupUpdated", data: '{"a":1}', id: "7" },
          { event: "ready", data: "{}", id: undefined },
        ],
        `cut at ${cut}`,
      );
    }
  });

  it("a message without data is no message; one without event is 'message'; a field without colon is empty", () => {
    const p = new SseParser();
    assert.deepEqual(p.push("event: lonely\n\ndata\n\ndata:x\n\n"), [
      { event: "message", data: "", id: undefined },
      { event: "message", data: "x", id: undefined },
    ]);
  });

  it("sseMessages reads an async stream of chunks", async () => {
    async function* chunks() {
      yield "event: a\nda";
      yield "ta: 1\n\nevent: b\ndata: 2\n";
      yield "\n";
    }
    const got = [];
    for await (const m of sseMessages(chunks())) got.push(`${m.event}=${m.data}`);
    assert.deepEqual(got, ["a=1", "b=2"]);
  });
});
