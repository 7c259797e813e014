/**
 * The tick's send path: what happens to the bytes a frame-sync room sends each tick.
 * Two pieces, both about the same writes: state frames are sent from a copy
 * (copyStateFramesOnSend), and each client's socket is corked for the rest of the tick
 * (corkClients), which is only safe because of the copy.
 */
import type { Client } from "@colyseus/core";
import { netSocketOf, patchWebSocketClientRaw, type CorkableSocket } from "./internals.ts";

let copying = false;

/**
 * Colyseus 0.18 sends every state patch (and the full state on join) as a view over the
 * room encoder's reusable buffer, and ws frames a view without copying it. When a socket
 * cannot take the bytes at once (a busy event loop, a slow link, catch-up ticks sent back
 * to back, a corked socket), ws leaves the view queued, the next encode overwrites the
 * buffer under it, and the client receives a corrupted patch: its decoder logs
 * "definition mismatch" and drops state. Everything else Colyseus sends is already a
 * Buffer of its own, so only those views are copied. Process-wide and idempotent.
 */
export function copyStateFramesOnSend(): void {
  if (copying) return;
  copying = true;
  patchWebSocketClientRaw(
    (raw) =>
      function (this: unknown, data, options, cb) {
        return raw.call(this, Buffer.isBuffer(data) ? data : Buffer.from(data), options, cb);
      },
  );
}

function uncorkAll(sockets: CorkableSocket[]): void {
  for (const socket of sockets) socket.uncork();
}

/**
 * Holds each client's TCP writes for the rest of this tick, so its playerAction
 * broadcasts and the patch leave in one writev instead of one syscall each
 * (measured: with 4-player rooms, per-message writes were ~30% of the server's
 * CPU; see bench/). The WebSocket messages and their order are unchanged. The
 * uncork runs on process.nextTick, after the tick, even if the game step throws.
 * A frame held back this way is never overwritten under the cork: state patches
 * go out as copies (copyStateFramesOnSend), messages are encoded into their own buffers.
 */
export function corkClients(clients: Iterable<Client>): void {
  const corked: CorkableSocket[] = [];
  for (const client of clients) {
    const socket = netSocketOf(client);
    if (!socket || socket.destroyed) continue;
    socket.cork();
    corked.push(socket);
  }
  if (corked.length) process.nextTick(uncorkAll, corked);
}
