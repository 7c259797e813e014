/**
 * A real engine on the JSON protocol (contract §9): Godot 3's own WebSocketClient runs
 * examples/godot3/client.gd headless against this server. The script joins, applies
 * `state` and patches, plays at 20 Hz, compares a `resync` with its patched state,
 * drops its socket and takes its seat back with its reconnectKey, then leaves; its
 * exit status is its verdict. An SDK client in the same room checks what the server
 * made of it. Needs Debian's `godot3-server` (CI's .ci/run installs it); under CI=true
 * a missing Godot fails.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { registry } from "../../src/utils/metrics.ts";
import { collect, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

const GODOT = "godot3-server";
const CLIENT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/godot3/client.gd");
// `--version` prints the version but exits 255: only whether it runs at all counts.
const haveGodot = spawnSync(GODOT, ["--version"], { stdio: "ignore" }).error === undefined;
if (!haveGodot && process.env.CI === "true") throw new Error(`${GODOT} is not installed: CI must install it (apt-get install godot3-server)`);

let server: TestServer;
before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "10000" });
});
after(() => server.close());

async function metric(name: string, labels: string): Promise<number> {
  const text = await registry.metrics();
  const line = text.split("\n").find((l) => l.startsWith(`${name}{${labels}}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

function runGodot(env: Record<string, string>): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(GODOT, ["-s", CLIENT], { env: { ...process.env, LANG: "en", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("the Godot 3 GDScript client joins, plays, resyncs, reconnects by key and leaves (exit 0)", { skip: !haveGodot && `${GODOT} not installed`, timeout: 90_000 }, async () => {
  // An SDK player in the room first: the Godot client's joinOrCreate lands next to it.
  const observer: Room = await sdk(server.endpoint).joinOrCreate("game_room", { token: tokenFor("sdk-observer", server.cfg) });
  const joinedMsgs = collect(observer, "playerJoined");
  const actions = collect(observer, "playerAction");
  const offline = collect(observer, "playerOffline");
  const online = collect(observer, "playerOnline");
  const left = collect(observer, "playerLeft");
  const keyReclaims = await metric("framesync_reconnects_total", 'path="key",outcome="ok"');
  const envelopeErrors = (await registry.metrics()).match(/^framesync_json_envelope_errors_total\{[^}]*\} (\d+)/gm)?.length ?? 0;

  const { code, output } = await runGodot({ FS_URL: `${server.endpoint}/json`, FS_TOKEN: tokenFor("godot-player", server.cfg) });
  assert.equal(code, 0, `Godot's verdict (exit ${code}):\n${output}`);
  assert.match(output, /PASS: joined, played \d+ inputs/);

  // What the server saw, through an SDK client's eyes.
  await waitFor(() => left.some((m) => m.userId === "godot-player"), { timeoutMs: 5000, what: "the Godot player's playerLeft" });
  const first = joinedMsgs.find((m) => m.userId === "godot-player");
  assert.ok(first, "playerJoined for the Godot player");
  const moves = actions.filter((a) => a.sessionId === first.sessionId && a.action === "move");
  assert.ok(moves.length >= 20, `the SDK client saw the Godot player move ${moves.length} times`);
  assert.ok(actions.some((a) => a.sessionId === first.sessionId && a.action === "jump"), "and jump");
  assert.equal(offline.find((m) => m.userId === "godot-player")?.sessionId, first.sessionId, "its dropped socket: playerOffline");
  const back = online.find((m) => m.userId === "godot-player");
  assert.ok(back && back.previousSessionId === first.sessionId, "its reconnect by key: playerOnline with the new session");
  assert.equal(left.find((m) => m.userId === "godot-player")?.sessionId, back.sessionId, "its leave: playerLeft");
  assert.equal(await metric("framesync_reconnects_total", 'path="key",outcome="ok"'), keyReclaims + 1);
  assert.equal((await registry.metrics()).match(/^framesync_json_envelope_errors_total\{[^}]*\} (\d+)/gm)?.length ?? 0, envelopeErrors, "no envelope fault from Godot");
  assert.equal(await metric("framesync_clients_by_protocol", 'protocol="json"'), 0);
  await observer.leave();
});
