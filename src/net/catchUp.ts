/**
 * `frames:since` answers in chunks (contract §7 catch-up; issue 13). A lockstep room keeps
 * up to 10 s of frames for every player, which can be megabytes; sent whole, one answer
 * could pass MAX_OUTBOUND_BUFFER_BYTES and get the very client that asked cut off as a
 * slow reader. So an answer is split into `lockstepFrames { frames, more }` messages of
 * about CATCH_UP_CHUNK_BYTES each, in frame order, `more: true` on all but the last, and
 * a chunk goes out only while the client's outbound queue (WebSocket `bufferedAmount`)
 * holds less than CATCH_UP_QUEUE_BYTES: the rest waits for the next tick. A client that
 * does not read therefore never gets more than that of a catch-up queued.
 *
 * Reads the client's outbound queue from the send path (its WebSocket `bufferedAmount`
 * plus what the tick's frame window holds for it); a client without a WebSocket (another
 * transport) is sent one chunk a tick.
 */
import { ClientState, type Client } from "@colyseus/core";
import { pack } from "msgpackr";
import type { LockstepFramesPayload } from "../protocol/serverMessages.ts";
import { CATCH_UP_CHUNK_BYTES, CATCH_UP_QUEUE_BYTES, FRAMES_SINCE_MIN_INTERVAL_MS } from "../utils/limits.ts";
import type { LockstepFrame } from "../utils/lockstep.ts";
import { webSocketOf } from "./internals.ts";
import { outboundBytes } from "./sendPath.ts";

interface Chunk {
  frames: LockstepFrame[];
  bytes: number;
}

/** Splits `frames` into runs of about `chunkBytes` encoded bytes (a bigger single frame is a run of its own). */
export function chunkFrames(frames: LockstepFrame[], chunkBytes = CATCH_UP_CHUNK_BYTES): Chunk[] {
  const chunks: Chunk[] = [];
  let current: Chunk = { frames: [], bytes: 0 };
  for (const frame of frames) {
    const bytes = pack(frame).length;
    if (current.frames.length > 0 && current.bytes + bytes > chunkBytes) {
      chunks.push(current);
      current = { frames: [], bytes: 0 };
    }
    current.frames.push(frame);
    current.bytes += bytes;
  }
  chunks.push(current); // an empty answer is one empty, final chunk
  return chunks;
}

/** The catch-ups of one room still being sent, one per client (a newer request replaces an older one). */
export class CatchUpSender {
  private readonly pending = new Map<Client, Chunk[]>();
  /** When each connection last asked (performance.now ms). */
  private readonly lastAsked = new WeakMap<Client, number>();

  /**
   * Whether `client` may ask now, and if so records the ask: each answer can be the whole
   * kept window, so a client may not ask in a loop (FRAMES_SINCE_MIN_INTERVAL_MS).
   */
  mayAsk(client: Client, now = performance.now()): boolean {
    if (now - (this.lastAsked.get(client) ?? -Infinity) < FRAMES_SINCE_MIN_INTERVAL_MS) return false;
    this.lastAsked.set(client, now);
    return true;
  }

  /** Starts answering `client` with `frames`; sends what the queue budget allows now. */
  start(client: Client, frames: LockstepFrame[]): void {
    this.pending.set(client, chunkFrames(frames));
    this.pump(client);
  }

  /** Once a tick: sends the next chunks of every catch-up in progress. */
  pumpAll(): void {
    for (const client of this.pending.keys()) this.pump(client);
  }

  private pump(client: Client): void {
    const chunks = this.pending.get(client)!;
    // A closed or closing connection (a WebSocket's readyState OPEN is 1) gets nothing more.
    const readyState = webSocketOf(client)?.readyState;
    if (client.state === ClientState.LEAVING || (readyState !== undefined && readyState !== 1)) {
      this.pending.delete(client);
      return;
    }
    let sentThisTick = 0;
    while (chunks.length > 0) {
      const queued = outboundBytes(client);
      const next = chunks[0]!;
      // Always at least one chunk a tick when the queue is empty, even one over the budget (a single huge frame).
      const fits = queued === undefined ? sentThisTick === 0 : queued === 0 || queued + next.bytes <= CATCH_UP_QUEUE_BYTES;
      if (!fits) return;
      chunks.shift();
      sentThisTick++;
      const payload: LockstepFramesPayload = { frames: next.frames, more: chunks.length > 0 };
      client.send("lockstepFrames", payload);
    }
    this.pending.delete(client);
  }
}
