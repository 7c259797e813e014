/**
 * Colyseus 0.18 sends every state patch (and the full state on join) as a view over the
 * room encoder's reusable buffer, and ws frames a view without copying it. When a socket
 * cannot take the bytes at once (a busy event loop, a slow link, catch-up ticks sent back
 * to back), ws leaves the view queued, the next encode overwrites the buffer under it,
 * and the client receives a corrupted patch: its decoder logs "definition mismatch" and
 * drops state (a player that never appears, a position that stops updating). Everything
 * else Colyseus sends is already a Buffer of its own, so only those views are copied.
 */
import { WebSocketClient } from "@colyseus/ws-transport";

let installed = false;

/** Makes every WebSocket client send state frames from a copy. Idempotent. */
export function copyStateFramesOnSend(): void {
  if (installed) return;
  installed = true;
  const proto = WebSocketClient.prototype;
  const raw = proto.raw;
  proto.raw = function (this: WebSocketClient, data, options, cb) {
    return raw.call(this, Buffer.isBuffer(data) ? data : Buffer.from(data), options, cb);
  };
}
