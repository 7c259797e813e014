/**
 * The Unity client's logic (examples/unity: ClientWebSocket + MiniJson, no Unity API)
 * compiled with Mono's `mcs` and run with `mono` against this server: the same script as
 * the Godot 3 client (join, play at 20 Hz, resync matches, reconnect by key, leave with
 * 4000). Needs Debian's mono-mcs and mono-runtime (CI's .ci/run installs them); under
 * CI=true a missing Mono fails.
 */
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, test } from "node:test";
import type { Room } from "@colyseus/sdk";
import { collect, sdk, startServer, tokenFor, waitFor, type TestServer } from "../support/helpers.ts";

const UNITY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../examples/unity");
const SOURCES = ["MiniJson.cs", "FrameSyncJsonClient.cs", "ConsoleCheck.cs"].map((f) => path.join(UNITY, f));
const haveMono = spawnSync("mcs", ["--version"], { stdio: "ignore" }).status === 0 && spawnSync("mono", ["--version"], { stdio: "ignore" }).status === 0;
if (!haveMono && process.env.CI === "true") throw new Error("mcs/mono are not installed: CI must install them (apt-get install mono-mcs mono-runtime)");

let server: TestServer;
let dir: string;
before(async () => {
  server = await startServer({ MATCH_RECONNECT_WINDOW_MS: "10000" });
  dir = mkdtempSync(path.join(os.tmpdir(), "fs-unity-"));
});
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await server.close();
});

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("close", (code) => resolve({ code, output }));
  });
}

test("the Unity C# client (ClientWebSocket) joins, plays, resyncs, reconnects by key and leaves under Mono", { skip: !haveMono && "mcs/mono not installed", timeout: 90_000 }, async () => {
  const exe = path.join(dir, "check.exe");
  const compiled = await run("mcs", ["-langversion:latest", `-out:${exe}`, ...SOURCES]);
  assert.equal(compiled.code, 0, `mcs:\n${compiled.output}`);

  const observer: Room = await sdk(server.endpoint).joinOrCreate("game_room", { token: tokenFor("sdk-observer", server.cfg) });
  const joined = collect(observer, "playerJoined");
  const actions = collect(observer, "playerAction");
  const online = collect(observer, "playerOnline");
  const left = collect(observer, "playerLeft");
  collect(observer, "frameSync");
  collect(observer, "playerOffline");

  const { code, output } = await run("mono", [exe], { FS_URL: `${server.endpoint}/json`, FS_TOKEN: tokenFor("unity-player", server.cfg) });
  assert.equal(code, 0, `the C# client's verdict (exit ${code}):\n${output}`);
  assert.match(output, /PASS: joined, played 40 inputs/);

  await waitFor(() => left.some((m) => m.userId === "unity-player"), { timeoutMs: 5000, what: "the C# player's playerLeft" });
  const first = joined.find((m) => m.userId === "unity-player");
  assert.ok(first);
  assert.ok(actions.filter((a) => a.sessionId === first.sessionId && a.action === "move").length >= 20, "the SDK client saw it move");
  assert.equal(online.find((m) => m.userId === "unity-player")?.previousSessionId, first.sessionId, "its seat came back by key");
  await observer.leave();
});
