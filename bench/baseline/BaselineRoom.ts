/**
 * The same example game written the way the Colyseus docs teach it, for comparison:
 * a plain Room, `onMessage("input")` queueing each client's input, the room's
 * timestep API (`setSimulationInterval`, i.e. a `setInterval`) applying it, and the
 * default state patching (`patchRate` 50 ms on its own interval). Same rules
 * (src/game/rules.ts), same merge of a tick's inputs (src/game/merge.ts), same
 * Schema and the same `playerAction` broadcasts as GameRoomExample.
 *
 * Deliberately absent, as in the docs' examples: rate limits, zod validation,
 * seats, reconnection. So it does less work per message than FrameSyncRoom.
 *
 * Bench-only instrumentation: each tick records its lateness against the ideal
 * schedule (start + n × interval, what FrameSyncManager measures) and the error of
 * its interval against the previous tick, in the same Prometheus histograms.
 */
import { Room, type Client } from "@colyseus/core";
import client from "prom-client";
import { mergeInputs, type Inputs } from "../../src/game/merge.ts";
import { applyPlayerInput, spawnPoint } from "../../src/game/rules.ts";
import { MyRoomState, Player } from "../../src/rooms/schema/MyRoomState.ts";
import { verifyAccessToken, type Identity } from "../../src/utils/auth.ts";
import { TICK_LATENESS_BUCKETS_S } from "../../src/utils/metrics.ts";

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });
const ticks = new client.Counter({ name: "framesync_ticks_total", help: "Baseline frames simulated", registers: [registry] });
const lateness = new client.Histogram({
  name: "framesync_tick_lateness_seconds",
  help: "Baseline: how late each tick started against start + n × interval",
  buckets: TICK_LATENESS_BUCKETS_S,
  registers: [registry],
});
const rooms = new client.Gauge({ name: "framesync_rooms", help: "Baseline rooms open", labelNames: ["room"], registers: [registry] });
const intervalError = new client.Histogram({
  name: "baseline_tick_interval_error_seconds",
  help: "Baseline: |actual − nominal| interval between consecutive ticks",
  buckets: TICK_LATENESS_BUCKETS_S,
  registers: [registry],
});

export class BaselineRoom extends Room<{ state: MyRoomState }> {
  state = new MyRoomState();
  maxClients = 16;
  private readonly queued = new Map<string, Inputs[]>();
  private seatCount = 0;

  static async onAuth(_token: string, options: { token?: string }): Promise<Identity> {
    return verifyAccessToken(options?.token);
  }

  onCreate(options: { fps?: number }): void {
    rooms.inc({ room: this.roomName });
    const fps = options.fps ?? 20;
    const intervalMs = 1000 / fps;
    this.onMessage("input", (client: Client, message: { inputs?: Inputs }) => {
      if (!message || typeof message.inputs !== "object" || message.inputs === null) return;
      const queue = this.queued.get(client.sessionId);
      if (queue) queue.push(message.inputs);
    });

    const start = performance.now();
    let n = 0;
    let previous = start;
    this.setSimulationInterval(() => {
      const now = performance.now();
      n++;
      lateness.observe(Math.max(0, now - (start + n * intervalMs)) / 1000);
      intervalError.observe(Math.abs(now - previous - intervalMs) / 1000);
      previous = now;
      ticks.inc();
      this.update();
    }, intervalMs);
  }

  private update(): void {
    for (const [sessionId, queue] of this.queued) {
      if (queue.length === 0) continue;
      let merged: Inputs | undefined;
      for (const inputs of queue) merged = mergeInputs(merged, inputs);
      queue.length = 0;
      const player = this.state.players.get(sessionId);
      if (!player) continue;
      for (const { action, data } of applyPlayerInput(player, merged)) {
        this.broadcast("playerAction", { sessionId, action, data });
      }
    }
    this.state.frame++;
  }

  onJoin(client: Client, _options: unknown, auth: Identity): void {
    const seatIndex = this.seatCount++;
    const { x, y } = spawnPoint(seatIndex);
    this.state.players.set(client.sessionId, new Player({ sessionId: client.sessionId, userId: auth.userId, seatIndex, online: true, x, y, attacking: false }));
    this.queued.set(client.sessionId, []);
  }

  onDispose(): void {
    rooms.dec({ room: this.roomName });
  }

  onLeave(client: Client): void {
    this.state.players.delete(client.sessionId);
    this.queued.delete(client.sessionId);
  }
}
