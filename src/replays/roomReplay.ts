/**
 * The replay of one `recordFrames` room (contract §7): what FrameSyncRoom tells it
 * (players joining, leaving, moving to a new session, each simulated frame) goes to the
 * ReplayRecorder, and when the room is disposed the replay is built and stored. The
 * recorder is the room's one history of frames: the tick keeps no other.
 */
import type { FrameData } from "../utils/FrameSyncManager.ts";
import { bySeat } from "../utils/lockstep.ts";
import type { Logger } from "../utils/logger.ts";
import type { PlayerRecord, ReplayEntry } from "../game/replay.ts";
import { ReplayRecorder, type ReplayMeta, type ReplayRules } from "./recorder.ts";
import { replayStore } from "./store.ts";

/** What a replay needs of a seated player besides its game state. */
export interface ReplayedPlayer {
  sessionId: string;
  userId: string;
  seatIndex: number;
}

export class RoomReplay<Player extends ReplayedPlayer> {
  private readonly recorder: ReplayRecorder;

  constructor(
    private readonly rules: ReplayRules<object, Player>,
    firstFrame: number,
  ) {
    this.recorder = new ReplayRecorder(rules, undefined, firstFrame);
  }

  join(frame: number, player: Player): void {
    this.recorder.join(frame, this.record(player));
  }

  leave(frame: number, player: Player): void {
    this.recorder.leave(frame, this.record(player));
  }

  rename(frame: number, from: string, to: string): void {
    this.recorder.rename(frame, from, to);
  }

  /** The frame's merged inputs — the very ones the tick applied — in seat order. */
  recordFrame(frameData: FrameData, playerOf: (sessionId: string) => Player | undefined): void {
    const entries: ReplayEntry[] = [];
    for (const input of frameData.inputs) {
      const player = playerOf(input.clientId);
      if (player) entries.push({ sessionId: input.clientId, seatIndex: player.seatIndex, inputs: input.inputs });
    }
    this.recorder.record(frameData.frame, frameData.timestamp, entries.sort(bySeat));
  }

  /** Builds the replay up to `lastFrame` with the players still present and stores it. Never rejects: a failure is logged. */
  async save(meta: ReplayMeta, present: Iterable<Player>, lastFrame: number, log: Logger): Promise<void> {
    try {
      const records = [...present].map((p) => this.record(p));
      const built = this.recorder.build(meta, records, lastFrame);
      if (!built) {
        log.warn({ players: records.length }, "replay not saved: its roster alone exceeds MAX_REPLAY_BYTES");
        return;
      }
      const { roomId, matchId, startedAt, endedAt } = meta;
      await replayStore().save({ roomId, matchId, startedAt, endedAt, frameCount: built.frameCount }, built.json);
      log.info({ frameCount: built.frameCount, bytes: built.json.length, droppedFrames: this.recorder.droppedFrames }, "replay saved");
    } catch (err) {
      log.error({ err }, "replay could not be saved");
    }
  }

  private record(player: Player): PlayerRecord<object> {
    return { sessionId: player.sessionId, userId: player.userId, seatIndex: player.seatIndex, ...this.rules.capture(player) };
  }
}
