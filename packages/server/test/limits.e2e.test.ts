// Configurable limits over real HTTP, with small values set by flags: parameter count, list length, value length,
// per-key rate limit (153), and the timeouts that cut off slow or silent clients.
import assert from "node:assert/strict";
import { connect, type Socket } from "node:net";
import { after, before, describe, it } from "node:test";
import { sign } from "@sgplane/catalogue";
import { postRaw, runToExit, type ServerProcess, startServer } from "./harness.ts";
import { KEYS, MAIN, WORLD } from "./isolation-world.ts";

const HEADERS_TIMEOUT = 300;
const REQUEST_TIMEOUT = 600;
const KEEP_ALIVE_TIMEOUT = 200;
/** A slow refill and a burst: the test does not depend on how fast the machine answers. */
const RATE = 1;
const BURST = 20;

let server: ServerProcess;
before(async () => {
  server = await startServer({
    seed: WORLD,
    args: [
      ...["--max-params", "50", "--max-items", "5", "--max-value-length", "100"],
      ...["--rate-limit", String(RATE), "--rate-burst", String(BURST)],
      ...["--headers-timeout", String(HEADERS_TIMEOUT), "--request-timeout", String(REQUEST_TIMEOUT)],
      ...["--keep-alive-timeout", String(KEEP_ALIVE_TIMEOUT)],
    ],
  });
});
after(async () => {
  await server.stop();
});

/** A form body signed by company A's main key. */
function signedForm(params: Record<string, string>, key: { publicKey: string; privateKey: string } = KEYS.aRoot) {
  const all = { Region: "cn-bj2", ...params, PublicKey: key.publicKey };
  return new URLSearchParams({ ...all, Signature: sign(all, key.privateKey) }).toString();
}

const post = (body: string) => postRaw(server.url, body, "application/x-www-form-urlencoded");

describe("input limits (flags: 50 parameters, 5 elements, 100 characters)", () => {
  it("a request with more parameters than allowed gets 230 [body], before authentication", async () => {
    const extra = Object.fromEntries(Array.from({ length: 46 }, (_, i) => [`X${i}`, "1"]));
    const ok = await post(signedForm({ Action: "DescribeSecGroup", ...extra }));
    assert.equal(ok.json?.RetCode, 0, ok.text);
    const res = await post(signedForm({ Action: "DescribeSecGroup", ...extra, X46: "1" }));
    assert.equal(res.json?.RetCode, 230);
    assert.equal(res.json?.Message, "Params [body] not available: more than 50 parameters");
    assert.equal(res.json?.Action, "DescribeSecGroupResponse", "the reply names the request's Action");
    const unsigned = await post(`${"a=1&".repeat(60)}Action=DescribeSecGroup`);
    assert.equal(unsigned.json?.Message, "Params [body] not available: more than 50 parameters");
    assert.equal(unsigned.json?.Action, "DescribeSecGroupResponse", "an Action after the limit is named too");
  });

  it("a list longer than allowed gets 230 naming it, however it is sent", async () => {
    const ids = ["a", "b", "c", "d", "e", "f"].map((x) => `secgroup-lim-${x}`);
    const flattened = Object.fromEntries(ids.map((id, i) => [`SecGroupId.${i}`, id]));
    const five = await post(
      signedForm({ Action: "DescribeSecGroup", ...Object.fromEntries(Object.entries(flattened).slice(0, 5)) }),
    );
    assert.equal(five.json?.RetCode, 0, five.text);
    for (const body of [
      signedForm({ Action: "DescribeSecGroup", ...flattened }),
      signedForm({ Action: "DescribeSecGroup", SecGroupId: JSON.stringify(["s1", "s2", "s3", "s4", "s5", "s6"]) }),
    ]) {
      const res = await post(body);
      assert.equal(res.json?.RetCode, 230);
      assert.equal(res.json?.Message, "Params [SecGroupId] not available: more than 5 elements");
      assert.equal(res.json?.Action, "DescribeSecGroupResponse");
    }
    const native = await postRaw(
      server.url,
      JSON.stringify({ Action: "DeleteSecGroup", SecGroupId: ids }),
      "application/json",
    );
    assert.equal(native.json?.Message, "Params [SecGroupId] not available: more than 5 elements");
    assert.equal(native.json?.Action, "DeleteSecGroupResponse");
  });

  it("a value longer than allowed gets 230 naming it, even an unknown parameter", async () => {
    const res = await post(signedForm({ Action: "DescribeSecGroup", Comment: "c".repeat(101) }));
    assert.equal(res.json?.RetCode, 230);
    assert.equal(res.json?.Message, "Params [Comment] not available: longer than 100 characters");
    assert.equal(res.json?.Action, "DescribeSecGroupResponse");
    const state = JSON.stringify(WORLD);
    assert.ok(state.length > 100);
    const op = KEYS.operator;
    const params = { Action: "AdminImportState", State: state, PublicKey: op.publicKey };
    const imported = await post(new URLSearchParams({ ...params, Signature: sign(params, op.privateKey) }).toString());
    assert.equal(imported.json?.RetCode, 0, "a document parameter is bounded by the body limit only");
  });
});

describe("body limit (default 1048576 bytes)", () => {
  it("a body over the limit gets 230 [body] naming the request's Action, at either end of the body", async () => {
    const filler = "x".repeat(1_100_000);
    for (const body of [`Action=DisassociateSecGroup&Pad=${filler}`, `Pad=${filler}&Action=DisassociateSecGroup`]) {
      const res = await post(body);
      assert.equal(res.json?.RetCode, 230);
      assert.equal(res.json?.Message, "Params [body] not available: larger than 1048576 bytes");
      assert.equal(res.json?.Action, "DisassociateSecGroupResponse");
    }
    const json = await postRaw(
      server.url,
      JSON.stringify({ Action: "DescribeSecGroup", Pad: filler }),
      "application/json",
    );
    assert.equal(json.json?.Action, "DescribeSecGroupResponse");
  });
});

describe(`rate limit (flags: ${RATE}/s per key, burst ${BURST})`, () => {
  it("a key over its rate gets 153 Throttled, other keys are unaffected, and it recovers", async () => {
    const client = server.client(KEYS.bRoot, { projectId: "org-iso-b1" });
    const codes: number[] = [];
    for (let i = 0; i < BURST; i++) codes.push(Number((await client.send("DescribeSecGroup")).body.RetCode));
    assert.deepEqual(codes, Array(BURST).fill(0), "the burst is served");
    const over = await Promise.all(Array.from({ length: 10 }, () => client.send("DescribeSecGroup")));
    const throttled = over.filter((r) => r.body.RetCode === 153);
    assert.ok(throttled.length >= 8, `then 153: ${over.map((r) => r.body.RetCode).join(",")}`);
    assert.equal(throttled[0]?.body.Message, `Request rate limit exceeded for key [${KEYS.bRoot.publicKey}]`);
    assert.equal(throttled[0]?.body.Action, "DescribeSecGroupResponse");
    const other = await server.client(KEYS.aRoot).send("DescribeSecGroup", { SecGroupId: [MAIN.group] });
    assert.equal(other.body.RetCode, 0);
    await new Promise((r) => setTimeout(r, 1100 / RATE));
    assert.equal((await client.send("DescribeSecGroup")).body.RetCode, 0, "a token flowed back");
  });

  it("failed signatures do not spend a key's tokens (only authenticated requests count)", async () => {
    const forged = server.client({ publicKey: KEYS.aDev.publicKey, privateKey: "guess" }, { projectId: "org-iso-a1" });
    for (let i = 0; i < BURST + 5; i++) {
      const refused = await forged.send("DescribeSecGroup");
      assert.equal(refused.body.RetCode, 171);
      assert.equal(refused.body.Action, "DescribeSecGroupResponse");
    }
    const real = await server.client(KEYS.aDev, { projectId: "org-iso-a1" }).send("DescribeSecGroup");
    assert.equal(real.body.RetCode, 0);
  });
});

/** Opens a TCP connection, runs `act` on it, and resolves with how long the server took to close it. */
function closedAfter(act: (socket: Socket) => void, giveUpMs = 5000): Promise<{ ms: number; data: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(Number(port), hostname);
    let data = "";
    socket.on("data", (d) => {
      data += d.toString();
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ ms: performance.now() - started, data });
    });
    socket.on("connect", () => act(socket));
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept the connection open for ${giveUpMs} ms`));
    }, giveUpMs);
  });
}

/** Writes `text` one byte every `everyMs` for as long as the socket lives. */
function dribble(socket: Socket, text: string, everyMs = 40): void {
  let i = 0;
  const timer = setInterval(() => {
    if (socket.destroyed) return clearInterval(timer);
    socket.write(text[i % text.length] ?? "x");
    i++;
  }, everyMs);
  socket.on("close", () => clearInterval(timer));
}

describe(`timeouts (flags: headers ${HEADERS_TIMEOUT} ms, request ${REQUEST_TIMEOUT} ms, keep-alive ${KEEP_ALIVE_TIMEOUT} ms)`, () => {
  it("a client that connects and sends nothing is closed after the headers timeout", async () => {
    const { ms } = await closedAfter(() => {});
    assert.ok(ms >= HEADERS_TIMEOUT * 0.9 && ms < HEADERS_TIMEOUT + 1000, `closed after ${Math.round(ms)} ms`);
  });

  it("slowloris: headers sent byte by byte, never finished, are cut off after the headers timeout", async () => {
    const { ms, data } = await closedAfter((s) =>
      dribble(s, "POST / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"),
    );
    assert.ok(ms < HEADERS_TIMEOUT + 1000, `closed after ${Math.round(ms)} ms`);
    assert.match(data, /^(HTTP\/1\.1 408|$)/);
  });

  it("a body sent byte by byte is cut off after the request timeout", async () => {
    const { ms } = await closedAfter((s) => {
      s.write(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10000\r\n\r\n",
      );
      dribble(s, "Action=DescribeSecGroup&");
    });
    assert.ok(ms >= REQUEST_TIMEOUT * 0.9 && ms < REQUEST_TIMEOUT + 1500, `closed after ${Math.round(ms)} ms`);
  });

  it("an idle keep-alive connection is closed after the keep-alive timeout", async () => {
    const { ms, data } = await closedAfter((s) => s.write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"));
    assert.match(data, /^HTTP\/1\.1 200/);
    assert.ok(ms < KEEP_ALIVE_TIMEOUT + 1500, `closed after ${Math.round(ms)} ms`);
  });

  it("meanwhile the server keeps serving", async () => {
    const slow = Array.from({ length: 20 }, () => closedAfter((s) => dribble(s, "GET / HTTP/1.1\r\n")));
    const res = await server.client(KEYS.aRoot).send("DescribeSecGroup", { SecGroupId: [MAIN.group] });
    assert.equal(res.body.RetCode, 0);
    await Promise.all(slow);
  });
});

describe("documentation", () => {
  it("sgplane serve --help lists every limit with its environment variable and default", async () => {
    const { code, stdout } = await runToExit(["serve", "--help"]);
    assert.equal(code, 0);
    for (const flag of [
      "--body-limit BYTES",
      "--max-params N",
      "--max-items N",
      "--max-value-length N",
      "--rate-limit N",
      "--rate-burst N",
      "--headers-timeout MS",
      "--request-timeout MS",
      "--keep-alive-timeout MS",
    ]) {
      assert.ok(stdout.includes(flag), `--help mentions ${flag}`);
    }
    for (const env of [
      "SGPLANE_MAX_PARAMS",
      "SGPLANE_RATE_LIMIT",
      "SGPLANE_HEADERS_TIMEOUT",
      "SGPLANE_KEEP_ALIVE_TIMEOUT",
    ]) {
      assert.ok(stdout.includes(env), `--help mentions ${env}`);
    }
  });
});
