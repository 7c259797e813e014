/**
 * §6 limits on JSON sockets (contract §9): the per-IP cap counts a JSON socket until it
 * is in a room, and /metrics labels clients by protocol.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { sdk, sleep, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";
import { JsonSocket } from "../support/json-client.ts";

const CAP = 5;
let server: TestServer;
before(async () => {
  server = await startServer({ MAX_PENDING_CONNECTIONS_PER_IP: String(CAP) });
});
after(() => server.close());

async function metric(key: string): Promise<number> {
  const text = await (await fetch(server.url("/metrics"))).text();
  const line = text.split("\n").find((l) => l.startsWith(key + " "));
  return line ? Number(line.slice(key.length + 1)) : 0;
}

test("JSON sockets not in a room count against the per-IP cap; a joined one stops counting", async () => {
  const idle = await Promise.all(Array.from({ length: CAP }, () => JsonSocket.open(server.endpoint)));
  await assert.rejects(JsonSocket.open(server.endpoint), "the socket over the cap is refused");
  await idle[0]!.join("joinOrCreate", "game_room", { token: tokenFor("capped", server.cfg) });
  await sleep(100);
  const another = await JsonSocket.open(server.endpoint);
  another.terminate();
  for (const s of idle) s.terminate();
  await sleep(200);
});

test("/metrics counts clients by protocol", async () => {
  await waitFor(async () => (await metric('framesync_clients_by_protocol{protocol="json"}')) === 0, { timeoutMs: 5000, what: "no JSON clients left" });
  const json = await JsonSocket.open(server.endpoint);
  const joined = await json.join("joinOrCreate", "game_room", { token: tokenFor("counted-json", server.cfg) });
  const room = await sdk(server.endpoint).joinById(joined.roomId, { token: tokenFor("counted-sdk", server.cfg) });
  assert.equal(await metric('framesync_clients_by_protocol{protocol="json"}'), 1);
  assert.ok((await metric('framesync_clients_by_protocol{protocol="colyseus"}')) >= 1);
  json.sendJson({ type: "leave" });
  await json.closed;
  await room.leave();
  await waitFor(async () => (await metric('framesync_clients_by_protocol{protocol="json"}')) === 0, { timeoutMs: 3000, what: "the JSON client uncounted" });
});
