/**
 * /metrics under a real session (contract §5, issue 7): every family an operator needs is
 * there and moves when the thing it counts happens — rooms, clients, ticks, late ticks,
 * tick lateness and run time, inputs accepted and rejected by code, reconnects by path
 * and outcome, matchmaking queue size and matches made, Redis errors, process metrics —
 * and no label carries an id (labels stay bounded).
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import {
  NetProxy,
  allowQuickReconnect,
  joinGame,
  joinedOnServer,
  nextMessage,
  sdk,
  startServer,
  tokenFor,
  waitFor,
  type TestServer,
} from "../support/helpers.ts";
import { joinLobby } from "../support/matchmaking-helpers.ts";
import { scrape as scrapeMetrics, sumOf, type Samples } from "../support/metrics.ts";

let server: TestServer;
const ids = new Set<string>();

before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "5000" });
});
after(() => server.close());

/** A scrape of this test's server: a 200 in Prometheus' text format. */
async function scrape(): Promise<{ samples: Samples; text: string }> {
  const { status, contentType, samples, text } = await scrapeMetrics(server.url("/"));
  assert.equal(status, 200);
  assert.match(contentType, /text\/plain/);
  return { samples, text };
}

const value = (s: Samples, key: string) => s.get(key) ?? 0;
const total = sumOf;

test("every family moves under a real session, with bounded labels", async () => {
  const before = (await scrape()).samples;

  // Two players in a room, playing.
  const proxy = await new NetProxy(server.port).start();
  const { room: alice } = await joinGame(sdk(server.endpoint), server.cfg, "alice", { lockstep: true }, "create");
  const bobClient = sdk(proxy.endpoint);
  const bob = await bobClient.joinById(alice.roomId, { token: tokenFor("bob", server.cfg) });
  await nextMessage(bob, "frameSync");
  await joinedOnServer(bob); // a drop before the join is acknowledged holds no seat
  allowQuickReconnect(bob);
  for (const r of [alice, bob]) r.onMessage("*", () => {});
  for (const r of [alice, bob]) ids.add(r.sessionId).add(r.roomId);
  ids.add("alice").add("bob");
  for (let i = 0; i < 5; i++) alice.send("input", { inputs: { move: { x: 1, y: 0 } } });
  // A rejected message of each of two codes.
  alice.send("input", { inputs: { move: { x: "fast", y: 0 } } });
  alice.send("no-such-message", {});

  // The event loop blocked for 300 ms (a GC pause, a slow neighbour): the next tick is late.
  await waitFor(async () => total((await scrape()).samples, "framesync_ticks_total") > total(before, "framesync_ticks_total") + 5, { timeoutMs: 10_000, what: "ticks" });
  const busyUntil = Date.now() + 300;
  while (Date.now() < busyUntil) {
    // blocking on purpose
  }

  // Bob's network drops; the SDK reconnects him to his held seat.
  const back = nextMessage(bob, "reconnect:ok", () => true, 15_000);
  proxy.cut();
  await back;
  ids.add(bob.sessionId);

  // Two players find a match through the matchmaker; a third waits in the queue.
  const lobbies = await Promise.all(["carol", "dave", "erin"].map((u) => joinLobby(server.endpoint, u, tokenFor(u, server.cfg))));
  for (const l of lobbies) ids.add(l.room.sessionId).add(l.room.roomId).add(l.userId);
  await lobbies[0]!.ask("match:find", { playersPerMatch: 3 }, "match:queued");
  await lobbies[1]!.ask("match:find", { playersPerMatch: 3 }, "match:queued");
  const queued = (await scrape()).samples;
  assert.ok(value(queued, "framesync_matchmaking_queue_size") >= 2, "the queue gauge counts the waiting tickets");
  const found = lobbies.map((l) => l.inbox.take("match:found"));
  lobbies[2]!.room.send("match:find", { playersPerMatch: 3 });
  await Promise.all(found);

  const afterRun = await waitFor(async () => {
    const s = (await scrape()).samples;
    return total(s, "framesync_late_ticks_total") > total(before, "framesync_late_ticks_total") ? s : undefined;
  }, { timeoutMs: 10_000, what: "a late tick to be counted" });
  const { text } = await scrape();

  const moved = (name: string, key = name) => assert.ok(value(afterRun, key) > value(before, key), `${key} did not move`);
  assert.ok(value(afterRun, 'framesync_rooms{room="game_room"}') >= 1);
  assert.ok(value(afterRun, 'framesync_clients{room="game_room"}') >= 2);
  assert.ok(value(afterRun, 'framesync_rooms{room="matchmaker_room"}') >= 1);
  moved("framesync_ticks_total");
  moved("framesync_late_ticks_total");
  moved("framesync_tick_lateness_seconds_count");
  moved("framesync_tick_lateness_seconds", 'framesync_tick_lateness_seconds_bucket{le="+Inf"}');
  moved("framesync_tick_duration_seconds_count");
  moved("framesync_inputs_accepted_total");
  moved("rejected", 'framesync_messages_rejected_total{code="INVALID_MESSAGE"}');
  moved("rejected", 'framesync_messages_rejected_total{code="UNKNOWN_MESSAGE"}');
  moved("reconnects", 'framesync_reconnects_total{path="sdk",outcome="ok"}');
  moved("matches", 'framesync_matches_made_total{source="queue"}');
  assert.equal(value(afterRun, "framesync_matchmaking_queue_size"), 0, "the queue drained into the match");
  moved("process", "process_cpu_user_seconds_total");
  assert.ok(value(afterRun, "nodejs_heap_size_used_bytes") > 0);
  assert.ok(value(afterRun, "framesync_pending_connections") >= 0);

  // Families that only move on a fault still declare themselves (the hostile, Redis-outage
  // and shutdown tests make them move).
  for (const family of [
    "framesync_redis_errors_total",
    "framesync_redis_up",
    "framesync_joins_refused_total",
    "framesync_clients_closed_total",
    "framesync_connections_refused_total",
    "framesync_protocol_errors_total",
    "framesync_seats_held",
    "framesync_process_faults_total",
  ]) {
    assert.match(text, new RegExp(`^# TYPE ${family} `, "m"), `${family} is declared`);
  }

  // Bounded labels: no label value is a room, session or user id.
  for (const key of afterRun.keys()) {
    for (const [, labelValue] of key.matchAll(/="([^"]*)"/g)) {
      assert.ok(!ids.has(labelValue!), `${key} carries an id as a label`);
    }
  }

  for (const r of [alice, bob, ...lobbies.map((l) => l.room)] as Room[]) await r.leave().catch(() => {});
  await proxy.close();
});
