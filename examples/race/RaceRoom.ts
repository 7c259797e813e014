/**
 * Flag race on FrameSyncRoom: the second example game (see docs/make-your-own-game.md).
 * FrameSyncRoom does the rest — tokens, seats, reconnection, the guarded message path,
 * lockstep, replays; this file adapts the pure rules of ./rules.ts to it.
 *
 * Messages it adds: `flag` { sessionId, score } when a runner scores, `raceWon`
 * { sessionId, userId } once, when the first runner reaches WIN_SCORE.
 */
import { z } from "zod";
import { FrameSyncRoom, type ClientInput, type ReplayRules, type SeatInfo } from "../../src/utils/FrameSync.ts";
import { RaceState, RunnerState } from "./RaceState.ts";
import { WIN_SCORE, cornerOf, step, type Runner } from "./rules.ts";

/** The only input of the race: a direction per axis. Anything else is refused by name. */
const Direction = z.number().int().min(-1).max(1);
const RaceInputs = z.strictObject({ dir: z.strictObject({ x: Direction, y: Direction }).optional() });

export class RaceRoom extends FrameSyncRoom<RaceState> {
  state = new RaceState();
  protected inputsSchema = RaceInputs;
  /** Replays re-run the race with the same step the tick applies. */
  protected replayRules: ReplayRules<Runner, RunnerState> = {
    capture: ({ seatIndex, x, y, score }) => ({ seatIndex, x, y, score }),
    apply: step,
  };

  protected onFrameUpdate(frame: number, inputs: ClientInput[]): void {
    for (const { clientId, inputs: frameInputs } of inputs) {
      const runner = this.state.players.get(clientId);
      if (!runner || !step(runner, frameInputs)) continue;
      this.broadcast("flag", { sessionId: clientId, score: runner.score });
      if (runner.score >= WIN_SCORE && !this.state.winner) {
        this.state.winner = runner.userId;
        this.broadcast("raceWon", { sessionId: clientId, userId: runner.userId });
      }
    }
    this.state.frame = frame;
  }

  protected createPlayer(seat: SeatInfo): RunnerState {
    return new RunnerState({ ...seat, online: true, ...cornerOf(seat.seatIndex), score: 0 });
  }

  protected clonePlayer({ userId, seatIndex, online, x, y, score }: RunnerState, sessionId: string): RunnerState {
    return new RunnerState({ sessionId, userId, seatIndex, online, x, y, score });
  }
}
