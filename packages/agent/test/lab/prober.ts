// The prober: runs inside one endpoint namespace (`ip netns exec <ns> node prober.mjs <config>`), listens on the
// lab's TCP and UDP ports, and sends probes when told to, over JSON lines on stdin/stdout (protocol.ts). It may import
// only node: built-ins at run time (types aside): the lab strips its types with esbuild and runs it as plain
// JavaScript, because starting node through tsx costs ~3x the start-up time (README.md, "Start-up").
import { spawn } from "node:child_process";
import { createSocket, type Socket as UdpSocket } from "node:dgram";
import { connect, createServer, type Server, type Socket } from "node:net";
import { createInterface } from "node:readline";
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { Command, ProberConfig, ProberEvent, Reply } from "./protocol.ts";

const TIMEOUT = "timeout"; // protocol.ts TIMEOUT, repeated: this file imports no values of its own modules

const config = (isMainThread ? JSON.parse(process.argv[2] ?? "{}") : workerData) as ProberConfig;

function send(message: Reply | ProberEvent): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

/** Dual-stack sockets see IPv4 peers as ::ffff:a.b.c.d; report them as plain IPv4. */
function plain(address: string | undefined): string {
  if (address === undefined) return "";
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

// Every accepted connection is an echo service until the peer closes it: a probe closes at once after its connect,
// a held connection ("open") stays and gets back each line it sends ("echo"), which is what shows that its packets
// still pass both ways. (The peer's FIN ends our side too: sockets are not half-open by default.)
function listenTcp(port: number): Promise<Server> {
  const server = createServer((socket) => {
    send({ event: "tcp", from: plain(socket.remoteAddress), port: socket.localPort ?? port });
    socket.on("error", () => socket.destroy());
    socket.on("data", (chunk: Buffer) => socket.write(chunk));
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen({ host: "::", port, ipv6Only: false, backlog: 4096 }, () => resolve(server));
  });
}

function listenUdp(port: number): Promise<UdpSocket> {
  const socket = createSocket({ type: "udp6", ipv6Only: false });
  socket.on("message", (message, rinfo) => {
    send({ event: "udp", token: message.toString("utf8"), from: plain(rinfo.address), port });
  });
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address: "::", port }, () => resolve(socket));
  });
}

function bindUdp(type: "udp4" | "udp6", address: string): Promise<UdpSocket> {
  const socket = createSocket(type);
  return new Promise((resolve, reject) => {
    socket.once("error", reject);
    socket.bind({ address, port: 0 }, () => resolve(socket));
  });
}

/** A TCP connection from this endpoint's own address of the peer's family. */
function connectFromOwnAddress(addr: string, port: number): Socket {
  const v6 = addr.includes(":");
  return connect({ host: addr, port, family: v6 ? 6 : 4, localAddress: v6 ? config.ipv6 : config.ipv4 });
}

function probeTcp(command: Extract<Command, { op: "tcp" }>): void {
  const socket = connectFromOwnAddress(command.addr, command.port);
  let settled = false;
  const settle = (pass: boolean, reason?: string): void => {
    if (settled) return;
    settled = true;
    clearTimeout(timer);
    socket.destroy();
    send(reason === undefined ? { id: command.id, pass } : { id: command.id, pass, reason });
  };
  // A timer that fires late (event loop busy spawning pings) runs before the I/O that is already waiting; the
  // immediate lets a connect that did happen in time be seen first.
  const timer = setTimeout(() => setImmediate(() => settle(false, TIMEOUT)), command.timeoutMs);
  socket.once("connect", () => settle(true));
  socket.on("error", (error: NodeJS.ErrnoException) => settle(false, error.code ?? error.message));
}

/** A connection kept open by "open", and the "echo" waiting on it (at most one at a time). */
interface Held {
  readonly socket: Socket;
  /** What came back and is not a whole line yet. */
  partial: string;
  /** Why it is gone: "closed" (the peer ended it) or the socket's error code. */
  gone: string | undefined;
  waiting: Echo | undefined;
}

interface Echo {
  readonly token: string;
  settle(pass: boolean, reason?: string): void;
}

const held = new Map<number, Held>();

function openHeld(command: Extract<Command, { op: "open" }>): void {
  if (held.has(command.conn)) {
    send({ id: command.id, error: `connection ${command.conn} is already open` });
    return;
  }
  const socket = connectFromOwnAddress(command.addr, command.port);
  socket.setNoDelay(true);
  const entry: Held = { socket, partial: "", gone: undefined, waiting: undefined };
  let opened = false;
  let answered = false;
  const fail = (reason: string): void => {
    if (answered) return;
    answered = true;
    clearTimeout(timer);
    socket.destroy();
    send({ id: command.id, pass: false, reason });
  };
  // As in probeTcp: a late timer lets a connect that already happened be seen first.
  const timer = setTimeout(() => setImmediate(() => fail(TIMEOUT)), command.timeoutMs);
  socket.once("connect", () => {
    if (answered) return;
    answered = true;
    opened = true;
    clearTimeout(timer);
    held.set(command.conn, entry);
    send({ id: command.id, pass: true });
  });
  socket.on("data", (chunk: Buffer) => received(entry, chunk.toString("utf8")));
  socket.on("error", (error: NodeJS.ErrnoException) => {
    const code = error.code ?? error.message;
    if (opened) gone(entry, code);
    else fail(code);
  });
  socket.on("close", () => gone(entry, "closed"));
}

/** Whole lines that came back: the waiting echo's own token settles it; others are late echoes of earlier tokens. */
function received(entry: Held, text: string): void {
  const lines = (entry.partial + text).split("\n");
  entry.partial = lines.pop() ?? "";
  for (const line of lines) {
    if (line === entry.waiting?.token) entry.waiting.settle(true);
  }
}

/** The first reason sticks: an error (ECONNRESET) is followed by "close". */
function gone(entry: Held, reason: string): void {
  entry.gone ??= reason;
  entry.waiting?.settle(false, entry.gone);
}

function echoHeld(command: Extract<Command, { op: "echo" }>): void {
  const entry = held.get(command.conn);
  if (entry === undefined) {
    send({ id: command.id, error: `no connection ${command.conn}` });
    return;
  }
  if (entry.waiting !== undefined) {
    send({ id: command.id, error: `connection ${command.conn} is still waiting for an echo` });
    return;
  }
  if (entry.gone !== undefined) {
    send({ id: command.id, pass: false, reason: entry.gone });
    return;
  }
  const echo: Echo = {
    token: command.token,
    settle: (pass, reason) => {
      if (entry.waiting !== echo) return; // settled already (a timer and the line in one turn)
      clearTimeout(timer);
      entry.waiting = undefined;
      send(reason === undefined ? { id: command.id, pass } : { id: command.id, pass, reason });
    },
  };
  const timer = setTimeout(() => setImmediate(() => echo.settle(false, TIMEOUT)), command.timeoutMs);
  entry.waiting = echo;
  entry.socket.write(`${command.token}\n`);
}

function closeHeld(command: Extract<Command, { op: "close" }>): void {
  const entry = held.get(command.conn);
  if (entry === undefined) {
    send({ id: command.id, error: `no connection ${command.conn}` });
    return;
  }
  held.delete(command.conn);
  entry.socket.destroy();
  send({ id: command.id, pass: true });
}

let udp4: UdpSocket | undefined;
let udp6: UdpSocket | undefined;

function probeUdp(command: Extract<Command, { op: "udp" }>): void {
  const socket = command.addr.includes(":") ? udp6 : udp4;
  if (socket === undefined) {
    send({ id: command.id, error: "prober not ready" });
    return;
  }
  socket.send(command.token, command.port, command.addr, (error) => {
    send(error ? { id: command.id, pass: false, reason: error.message } : { id: command.id, pass: true });
  });
}

type PingCommand = Extract<Command, { op: "ping" }>;

// Pings run in a worker thread: spawning a process stalls the calling event loop for milliseconds each, and a
// stalled main loop reads UDP datagrams late (measured: under load up to 1 in 6 UDP probes of a mixed batch
// missed a 300 ms window while the main thread spawned pings itself).
let pinger: Worker | undefined;

function probePing(command: PingCommand): void {
  if (pinger === undefined) {
    pinger = new Worker(new URL(import.meta.url), { workerData: config });
    pinger.on("message", (reply: Reply) => send(reply));
    pinger.on("error", (error) => {
      process.stderr.write(`prober: ping worker: ${error.stack ?? error.message}\n`);
      process.exit(1);
    });
  }
  pinger.postMessage(command);
}

function pingWorker(port: NonNullable<typeof parentPort>): void {
  const queue: PingCommand[] = [];
  let running = 0;
  const drain = (): void => {
    while (running < config.maxConcurrentPings) {
      const command = queue.shift();
      if (command === undefined) return;
      running++;
      runPing(command, (reply) => {
        port.postMessage(reply);
        running--;
        drain();
      });
    }
  };
  port.on("message", (command: PingCommand) => {
    queue.push(command);
    drain();
  });
}

function runPing(command: PingCommand, reply: (reply: Reply) => void): void {
  let replied = false;
  const done = (answer: Reply): void => {
    if (replied) return; // a failed spawn reports both "error" and "close"
    replied = true;
    reply(answer);
  };
  // iputils takes fractional -W seconds; with -c 1 it exits as soon as the one reply is in.
  const seconds = (command.timeoutMs / 1000).toFixed(3);
  const args = ["-n", "-q", `-${command.family}`, "-c", "1", "-W", seconds, command.addr];
  const child = spawn("ping", args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on("data", (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.on("error", (error) => done({ id: command.id, error: `ping: ${error.message}` }));
  child.on("close", (code) => {
    if (code === 0) done({ id: command.id, pass: true });
    // Exit 1 is "no reply"; an ICMP error (e.g. unreachable) answered instead of silence is not a timeout.
    else if (code === 1)
      done({ id: command.id, pass: false, reason: /\berrors?\b/.test(output) ? "icmp-error" : TIMEOUT });
    else done({ id: command.id, error: `ping exited ${code}: ${output.trim()}` });
  });
}

function handle(line: string): void {
  if (line.trim() === "") return;
  const command = JSON.parse(line) as Command;
  switch (command.op) {
    case "tcp":
      probeTcp(command);
      break;
    case "udp":
      probeUdp(command);
      break;
    case "ping":
      probePing(command);
      break;
    case "open":
      openHeld(command);
      break;
    case "echo":
      echoHeld(command);
      break;
    case "close":
      closeHeld(command);
      break;
  }
}

async function main(): Promise<void> {
  for (const port of config.ports) {
    await listenTcp(port);
    await listenUdp(port);
  }
  udp4 = await bindUdp("udp4", config.ipv4);
  udp6 = await bindUdp("udp6", config.ipv6);
  const input = createInterface({ input: process.stdin });
  input.on("line", (line) => {
    try {
      handle(line);
    } catch (error) {
      process.stderr.write(`prober: bad command ${line}: ${String(error)}\n`);
    }
  });
  // The lab closing our stdin (or dying) is the end of the lab: never outlive it.
  input.on("close", () => process.exit(0));
  send({ event: "ready" });
}

if (isMainThread) {
  main().catch((error: unknown) => {
    process.stderr.write(`prober: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
} else if (parentPort !== null) {
  pingWorker(parentPort);
}
