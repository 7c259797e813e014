/**
 * A raw JSON-protocol client (contract §9) over a real `ws` socket, for tests: it
 * records every frame, applies `state`/`patch` like an engine client would, and
 * waits for frames by predicate. No SDK involved.
 */
import WebSocket from "ws";
import { applyMergePatch, type Json } from "../../src/net/json/mergePatch.ts";

export interface Frame {
  type: string;
  [key: string]: any;
}

export class JsonSocket {
  readonly frames: Frame[] = [];
  /** The state built from `state` then every `patch.merge`. */
  state: Json = null;
  seq = -1;
  frame = -1;
  seqGaps = 0;
  /** The patched state after each `patch`, by frame (deep copies). */
  readonly statesByFrame = new Map<number, Json>();
  closeCode: number | undefined;
  closeReason = "";
  readonly closed: Promise<number>;
  private waiters: Array<() => void> = [];

  private constructor(readonly ws: WebSocket) {
    ws.on("message", (data: Buffer, isBinary: boolean) => {
      if (isBinary) throw new Error("server sent a binary frame");
      const frame = JSON.parse(data.toString("utf8")) as Frame;
      if (frame.type === "state") {
        this.state = frame.state;
        this.seq = frame.seq;
        this.frame = frame.frame;
      } else if (frame.type === "patch") {
        if (frame.seq !== this.seq + 1) this.seqGaps++;
        this.seq = frame.seq;
        this.frame = frame.frame;
        this.state = applyMergePatch(this.state, frame.merge);
        this.statesByFrame.set(frame.frame, structuredClone(this.state));
      }
      this.frames.push(frame);
      for (const wake of this.waiters.splice(0)) wake();
    });
    this.closed = new Promise((resolve) =>
      ws.on("close", (code: number, reason: Buffer) => {
        this.closeCode = code;
        this.closeReason = reason.toString();
        for (const wake of this.waiters.splice(0)) wake();
        resolve(code);
      }),
    );
  }

  static open(endpoint: string, protocols?: string | string[]): Promise<JsonSocket> {
    const ws = new WebSocket(`${endpoint}/json`, protocols);
    const socket = new JsonSocket(ws);
    return new Promise((resolve, reject) => {
      ws.once("open", () => resolve(socket));
      ws.once("error", reject);
    });
  }

  sendJson(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  sendRaw(text: string | Buffer, binary = false): void {
    this.ws.send(text, { binary });
  }

  /** Resolves with the first recorded frame (from index `from`) matching `match`. */
  async next(match: (f: Frame) => boolean, timeoutMs = 5000, from = 0): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = from; i < this.frames.length; i++) if (match(this.frames[i]!)) return this.frames[i]!;
      if (this.closeCode !== undefined) throw new Error(`socket closed (${this.closeCode} ${this.closeReason}) before the frame came`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("timed out waiting for a frame");
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** The next frame matching `match` after the ones already recorded. */
  after(match: (f: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    return this.next(match, timeoutMs, this.frames.length);
  }

  /** Sends `join` and resolves with `joined` (or rejects with the `error` answer). */
  async join(mode: string, room: string | undefined, options: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<Frame> {
    const rid = Math.floor(Math.random() * 1e9);
    const from = this.frames.length;
    this.sendJson({ type: "join", rid, mode, room, options, ...extra });
    const answer = await this.next((f) => (f.type === "joined" || f.type === "error") && f.rid === rid, 8000, from);
    if (answer.type === "error") throw Object.assign(new Error(`join refused: ${answer.code} ${answer.message}`), { code: answer.code, frame: answer });
    return answer;
  }

  /** Every `message` frame named `name`, and every message of that name inside patches, in order. */
  messagesNamed(name: string): any[] {
    const out: any[] = [];
    for (const f of this.frames) {
      if (f.type === "message" && f.name === name) out.push(f.data);
      if (f.type === "patch") for (const m of f.messages) if (m.name === name) out.push(m.data);
    }
    return out;
  }

  close(code?: number): void {
    this.ws.close(code);
  }

  terminate(): void {
    this.ws.terminate();
  }
}
