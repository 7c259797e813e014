/**
 * A load-generator client for the JSON protocol (contract §9, `framesync.json.v1` on
 * ws://HOST:PORT/json): one JSON object per WebSocket message, in-band join, one
 * `patch` per tick carrying that tick's broadcasts. Same counters and callbacks as
 * LeanClient, so bench/load.ts drives either. Written from the contract only: no
 * server code is imported, so it measures what an engine without an SDK would see.
 */
import WebSocket from "ws";
import { BenchClient, wsHeaderBytes } from "./wire.ts";

export const JSON_SUBPROTOCOL = "framesync.json.v1";

export type JsonJoinMode = "joinOrCreate" | "create" | "join" | "joinById" | "reconnect";

export class JsonJoinError extends Error {
  constructor(readonly code: string | number, message: string) {
    super(message);
  }
}

interface Envelope {
  type?: string;
  rid?: unknown;
  roomId?: string;
  sessionId?: string;
  name?: string;
  data?: unknown;
  code?: string | number;
  message?: string;
  messages?: Array<{ name?: string; data?: unknown }>;
}

export class JsonClient extends BenchClient {
  readonly reservation = { roomId: "", sessionId: "" };

  /** Opens /json and joins; resolves on `joined`, rejects on a join `error` or a close. */
  join(mode: JsonJoinMode, room: string, options: Record<string, unknown>, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new Error(`JSON join of ${room} timed out`));
        this.ws.terminate();
      }, timeoutMs);
      this.ws = new WebSocket(`${this.wsBase}/json`, JSON_SUBPROTOCOL, { perMessageDeflate: false });
      this.ws.on("open", () => this.sendEnvelope({ type: "join", rid: 1, mode, room, options }));
      this.ws.on("message", (data: Buffer, isBinary: boolean) => {
        const msg = this.receive(data, isBinary);
        if (this.joined || !msg) return;
        if (msg.type === "joined") {
          this.joined = true;
          this.reservation.roomId = String(msg.roomId);
          this.reservation.sessionId = String(msg.sessionId);
          clearTimeout(timer);
          resolve();
        } else if (msg.type === "error" && msg.rid === 1) {
          clearTimeout(timer);
          reject(new JsonJoinError(msg.code ?? "?", String(msg.message)));
          this.ws.close();
        }
      });
      this.ws.on("close", (code) => {
        clearTimeout(timer);
        this.closedCode = code;
        if (!this.joined) reject(new Error(`JSON socket closed (${code}) before joining`));
        this.onClose(code);
      });
      this.ws.on("error", (err) => {
        clearTimeout(timer);
        if (!this.joined) reject(err);
      });
    });
  }

  private receive(data: Buffer, isBinary: boolean): Envelope | undefined {
    const c = this.counters;
    c.messagesDown++;
    c.bytesDown += data.length + wsHeaderBytes(data.length, false);
    let msg: Envelope;
    try {
      msg = JSON.parse(isBinary ? data.toString("utf8") : data.toString());
    } catch {
      return undefined;
    }
    if (msg.type === "patch") {
      c.patches++;
      if (msg.messages) for (const m of msg.messages) if (m.name && this.decodeTypes.has(m.name)) this.onData(m.name, m.data);
    } else if (msg.type === "message" && msg.name && this.decodeTypes.has(msg.name)) {
      this.onData(msg.name, msg.data);
    }
    return msg;
  }

  private sendEnvelope(envelope: Record<string, unknown>): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(envelope);
    const bytes = Buffer.byteLength(text);
    this.counters.messagesUp++;
    this.counters.bytesUp += bytes + wsHeaderBytes(bytes, true);
    this.ws.send(text);
  }

  send(type: string, payload?: unknown): void {
    this.sendEnvelope({ type: "send", name: type, data: payload });
  }

  leave(): void {
    this.sendEnvelope({ type: "leave" });
  }

  drop(): void {
    this.ws?.terminate();
  }
}

/**
 * Whether a server speaks the JSON protocol: `resync` before any join must be answered
 * with the envelope error NOT_JOINED (§9). Anything else (refused upgrade, a close,
 * silence) means it does not, and the reason says what happened.
 */
export function probeJsonEndpoint(wsBase: string, timeoutMs = 3000): Promise<{ answers: boolean; reason: string }> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (answers: boolean, reason: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.terminate();
      resolve({ answers, reason });
    };
    const ws = new WebSocket(`${wsBase}/json`, JSON_SUBPROTOCOL, { perMessageDeflate: false });
    const timer = setTimeout(() => done(false, `no answer to {"type":"resync"} on /json within ${timeoutMs} ms`), timeoutMs);
    ws.on("open", () => ws.send(JSON.stringify({ type: "resync" })));
    ws.on("message", (data: Buffer) => {
      try {
        const msg = JSON.parse(data.toString()) as Envelope;
        if (msg.type === "error" && msg.code === "NOT_JOINED") return done(true, "answers on /json (resync before join → NOT_JOINED)");
        done(false, `unexpected answer on /json: ${data.toString().slice(0, 120)}`);
      } catch {
        done(false, `a non-JSON answer on /json (${data.length} bytes): not the JSON protocol`);
      }
    });
    ws.on("unexpected-response", (_req, res) => done(false, `/json upgrade refused with HTTP ${res.statusCode}`));
    ws.on("close", (code) => done(false, `/json closed with ${code} before answering`));
    ws.on("error", (err) => done(false, `/json: ${err.message}`));
  });
}
