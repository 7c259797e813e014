/**
 * Micro A/B of the hot-path levers (issue 16), measured as CPU time per operation, for a
 * machine too busy for whole-server figures: each variant runs in short batches, A and B
 * alternating, and the MINIMUM CPU time per operation over the batches is compared (the
 * least-disturbed batch). For investigating, not for the report.
 *
 *   taskset -c 0 ./node_modules/.bin/node --import tsx bench/ab-micro.ts [--before DIR] [--only gate|send]
 *
 * gate: one typical `input` frame through the message gate — this tree's gate with the
 *   fast path, the same gate without it, and (with --before DIR, a checkout of the commit
 *   before the levers) that tree's gate.
 * send: a tick of 4-player rooms — 4 playerAction broadcasts and a state patch per room —
 *   over real WebSockets to a reader process on the other core: ws.send per message with
 *   each socket corked for the tick (before) vs the frame window (src/net/sendPath.ts).
 *   User and system CPU are reported apart: system time is the kernel's loopback writes.
 */
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ClientState, Protocol, getMessageBytes } from "@colyseus/core";
import { WebSocketClient } from "@colyseus/ws-transport";
import { WebSocketServer, type WebSocket } from "ws";
import { closeFrameWindow, installSendPath, openFrameWindow } from "../src/net/sendPath.ts";
import { isFastInput } from "../src/net/inputFastPath.ts";
import { gateMessage, type GatedHandler } from "../src/net/messageGate.ts";
import { RateLimiter } from "../src/net/rateLimit.ts";
import { inputMessage } from "../src/protocol/messages.ts";
import { ExampleInputs, exampleInputsFast } from "../src/rooms/GameRoomExample.ts";
import { roomData } from "./lib/wire.ts";

const argv = process.argv.slice(2);
const arg = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
const before = arg("--before");
const only = arg("--only");
const batches = Number(arg("--batches") ?? 12);

const log = (m: string) => process.stderr.write(`[micro] ${m}\n`);

interface Variant {
  name: string;
  /** Runs one batch; returns the number of operations done. */
  batch: () => number | Promise<number>;
}

async function compare(title: string, unit: string, variants: Variant[]) {
  const samples = new Map<string, { user: number[]; sys: number[] }>(variants.map((v) => [v.name, { user: [], sys: [] }]));
  for (const v of variants) await v.batch(); // warm-up: JIT
  for (let b = 0; b < batches; b++) {
    for (const v of variants) {
      const c0 = process.cpuUsage();
      const ops = await v.batch();
      const c = process.cpuUsage(c0);
      samples.get(v.name)!.user.push(c.user / ops);
      samples.get(v.name)!.sys.push(c.system / ops);
    }
  }
  const min = (xs: number[]) => Math.min(...xs);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const rows = variants.map((v) => {
    const s = samples.get(v.name)!;
    const total = s.user.map((u, i) => u + s.sys[i]);
    return { variant: v.name, [`minCpuUsPer${unit}`]: +min(total).toFixed(3), [`medianCpuUsPer${unit}`]: +median(total).toFixed(3), minUserUs: +min(s.user).toFixed(3), minSysUs: +min(s.sys).toFixed(3) };
  });
  const base = rows[0];
  const key = `minCpuUsPer${unit}`;
  process.stdout.write(`${JSON.stringify({ section: title, rows, ratiosToFirst: rows.slice(1).map((r) => ({ variant: r.variant, cpu: +((r[key] as number) / (base[key] as number)).toFixed(3), user: +((r.minUserUs as number) / (base.minUserUs as number)).toFixed(3) })) })}\n`);
}

// ---------------------------------------------------------------------------

async function gateSection() {
  const schema = inputMessage(ExampleInputs as never);
  const handle = () => {};
  const fast = new Map<string, GatedHandler & { handle: () => void }>([["input", { schema, handle, fast: (raw) => isFastInput(raw, exampleInputsFast) }]]);
  const slow = new Map<string, GatedHandler & { handle: () => void }>([["input", { schema, handle }]]);
  const frames = [roomData("input", { inputs: { move: { x: 1, y: 0.000123 } } }), roomData("input", { inputs: { move: { x: -1, y: 0 } }, frame: 1234 })];
  const N = 20_000;
  const run = (gate: typeof gateMessage, handlers: Map<string, GatedHandler>) => () => {
    // A fresh limiter every 100 messages keeps the rate check on its "ok" path.
    let limiter = new RateLimiter(performance.now());
    for (let i = 0; i < N; i++) {
      if (i % 100 === 0) limiter = new RateLimiter(performance.now());
      const out = gate(frames[i & 1], limiter, handlers);
      if (out.kind !== "dispatch") throw new Error(`not dispatched: ${JSON.stringify(out)}`);
    }
    return N;
  };
  const variants: Variant[] = [];
  if (before) {
    const old = (await import(pathToFileURL(path.resolve(before, "src/net/messageGate.ts")).href)) as { gateMessage: typeof gateMessage };
    const oldSchema = (await import(pathToFileURL(path.resolve(before, "src/protocol/messages.ts")).href)) as { inputMessage: typeof inputMessage };
    variants.push({ name: "before (zod)", batch: run(old.gateMessage, new Map([["input", { schema: oldSchema.inputMessage(ExampleInputs as never), handle }]])) });
  }
  variants.push({ name: "this gate, zod", batch: run(gateMessage, slow) });
  variants.push({ name: "this gate, fast path", batch: run(gateMessage, fast) });
  await compare("gate: one input message", "Msg", variants);
}

// ---------------------------------------------------------------------------

const READER = `
  const WebSocket = require(${JSON.stringify(require_resolve("ws"))});
  const [url, n] = process.argv.slice(1);
  let open = 0;
  for (let i = 0; i < Number(n); i++) {
    const ws = new WebSocket(url);
    ws.on("open", () => { if (++open === Number(n)) process.send("ready"); });
    ws.on("message", () => {});
    ws.on("error", () => {});
  }
  process.on("disconnect", () => process.exit(0));
`;

function require_resolve(id: string): string {
  return createRequire(import.meta.url).resolve(id);
}

async function sendSection() {
  installSendPath();
  const CLIENTS = Number(arg("--clients") ?? 200);
  const TICKS = 50;
  const wss = new WebSocketServer({ port: 0, host: "127.0.0.1", perMessageDeflate: false });
  await new Promise((r) => wss.once("listening", r));
  const port = (wss.address() as { port: number }).port;
  const sockets: WebSocket[] = [];
  wss.on("connection", (ws) => sockets.push(ws));
  const reader = spawn("taskset", ["-c", arg("--reader-core") ?? "1", process.execPath, "-e", READER, `ws://127.0.0.1:${port}`, String(CLIENTS)], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  await new Promise((r) => reader.once("message", r));
  await new Promise((r) => setTimeout(r, 200));
  const clients = sockets.map((ws, i) => {
    const c = new WebSocketClient(`c${i}`, ws);
    c.state = ClientState.JOINED;
    return c;
  });
  const rooms: WebSocketClient[][] = [];
  for (let i = 0; i + 4 <= clients.length; i += 4) rooms.push(clients.slice(i, i + 4));
  // A patch as Colyseus hands it over: a view of one shared encoder buffer.
  const encoderBuffer = Buffer.alloc(8192);
  let frame = 0;
  const tickRoom = (room: WebSocketClient[]) => {
    frame++;
    for (let p = 0; p < 4; p++) {
      const bytes = getMessageBytes.raw(Protocol.ROOM_DATA, "playerAction", { sessionId: `session${p}xxxxx`, action: "move", data: { x: 100 + (frame % 300), y: 200.5, move: { x: 1, y: 0 } } });
      for (let c = room.length - 1; c >= 0; c--) room[c].enqueueRaw(bytes);
    }
    encoderBuffer[0] = Protocol.ROOM_STATE_PATCH;
    const patchLength = 38;
    for (let i = 1; i < patchLength; i++) encoderBuffer[i] = (frame + i) & 0xff;
    const patch = encoderBuffer.subarray(0, patchLength);
    for (let c = room.length - 1; c >= 0; c--) room[c].raw(patch);
  };
  const settle = () => new Promise((r) => setImmediate(r));
  const corked = async () => {
    for (let t = 0; t < TICKS; t++) {
      for (const room of rooms) {
        const socks = room.map((c) => (c.ref as unknown as { _socket: import("node:net").Socket })._socket);
        for (const s of socks) s.cork();
        process.nextTick(() => {
          for (const s of socks) s.uncork();
        });
        tickRoom(room);
      }
      await settle();
    }
    return TICKS * rooms.length * 4 * 5;
  };
  const windowed = async () => {
    for (let t = 0; t < TICKS; t++) {
      for (const room of rooms) {
        openFrameWindow(room as never);
        tickRoom(room);
        closeFrameWindow();
      }
      await settle();
    }
    return TICKS * rooms.length * 4 * 5;
  };
  await compare(`send: ${rooms.length} rooms × 4, a tick = 4 playerActions + 1 patch to each client`, "MsgDelivered", [
    { name: "ws.send per message, socket corked for the tick", batch: corked },
    { name: "frame window (frame once, one write per socket)", batch: windowed },
  ]);
  const backlog = sockets.reduce((s, ws) => s + ws.bufferedAmount, 0);
  log(`bytes still queued at the end: ${backlog}`);
  reader.kill();
  wss.close();
}

if (!only || only === "gate") await gateSection();
if (!only || only === "send") await sendSection();
process.exit(0);
