/**
 * Slowloris (contract §6): an HTTP request or WebSocket upgrade whose headers are not
 * complete within 10 s is closed. Real TCP sockets dribble header bytes at one a
 * second; each must be closed between 10 and 12 s after it connected, and counted,
 * while a plain request is served and two bystanders keep playing every frame.
 */
import assert from "node:assert/strict";
import net from "node:net";
import { after, before, describe, test } from "node:test";
import { HEADERS_TIMEOUT_MS } from "../../src/utils/limits.ts";
import { metrics } from "../../src/utils/metrics.ts";
import { Bystanders } from "../support/bystanders.ts";
import { startServer, tokenFor, type TestServer } from "../support/helpers.ts";

let server: TestServer;
let bystanders: Bystanders;

before(async () => {
  server = await startServer();
  bystanders = await Bystanders.start(server.endpoint, (u) => tokenFor(u, server.cfg));
});
after(async () => {
  await bystanders.leave();
  await server.close();
});

/** Slack above the limit: Node checks pending headers once a CONNECTIONS_CHECK_INTERVAL_MS, and the machine is shared. */
const CLOSE_SLACK_MS = 2_000;

/** Opens a socket, sends `head` at once, then one more header byte a second; resolves with how long the server kept it. */
function dribble(head: string): Promise<{ closedAfterMs: number; reply: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(server.port, "127.0.0.1");
    let reply = "";
    let opened = 0;
    let timer: NodeJS.Timeout | undefined;
    const tail = "X-Slow: " + "a".repeat(200);
    socket.once("connect", () => {
      opened = performance.now();
      socket.write(head);
      let i = 0;
      timer = setInterval(() => socket.write(tail[i++ % tail.length]!), 1_000);
    });
    socket.on("data", (chunk) => (reply += chunk.toString()));
    socket.on("error", () => {});
    socket.once("close", () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Math.round(performance.now() - opened), reply: reply.split("\r\n")[0] ?? "" });
    });
    // Node's defaults keep such a socket for 60-90 s: give up well before the test runner does.
    setTimeout(() => {
      if (socket.destroyed) return;
      clearInterval(timer);
      socket.destroy();
      reject(new Error(`the server still held a slow socket after ${HEADERS_TIMEOUT_MS + 3 * CLOSE_SLACK_MS} ms`));
    }, HEADERS_TIMEOUT_MS + 3 * CLOSE_SLACK_MS);
  });
}

async function slowRefusals(): Promise<number> {
  return (await metrics.connectionsRefused.get()).values.find((v) => v.labels.reason === "slow_request")?.value ?? 0;
}

describe("slowloris", () => {
  test("upgrades and requests dribbling their headers are closed within 10-12 s, counted, and nobody else notices", async (t) => {
    const countBefore = await slowRefusals();
    const mark = bystanders.mark();
    const upgrade = `GET /abc/def?sessionId=x HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n`;
    const plain = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n`;
    const slow = Promise.all([dribble(upgrade), dribble(upgrade), dribble(upgrade), dribble(plain), dribble(plain)]);

    // Meanwhile a well-formed request is served at once.
    const health = await fetch(server.url("/health"));
    assert.equal(health.status, 200);

    const results = await slow;
    for (const { closedAfterMs } of results) {
      assert.ok(closedAfterMs >= HEADERS_TIMEOUT_MS - 500, `closed after only ${closedAfterMs} ms`);
      assert.ok(closedAfterMs <= HEADERS_TIMEOUT_MS + CLOSE_SLACK_MS, `closed after ${closedAfterMs} ms`);
    }
    assert.ok(results.every((r) => r.reply.startsWith("HTTP/1.1 408")), `replies: ${results.map((r) => r.reply).join(" | ")}`);
    assert.equal((await slowRefusals()) - countBefore, results.length, "every slow socket is counted");
    const kept = await bystanders.assertKeptPlaying(mark);
    t.diagnostic(`slow sockets closed after ${results.map((r) => r.closedAfterMs).join(", ")} ms; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`);
  });
});
