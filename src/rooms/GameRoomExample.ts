/**
 * The example game behind `game_room` (contract §3 "Example game rules"): players move,
 * attack and jump; positions live in Schema state, actions go out as `playerAction`.
 * The rules themselves are the pure functions of ../game/rules.ts. Fork this class
 * (or write your own FrameSyncRoom) for a real game.
 */
import { z } from "zod";
import { applyPlayerInput, spawnPoint, type SimPlayer } from "../game/rules.ts";
import { ChatMessage } from "../protocol/messages.ts";
import { FrameSyncRoom, type ClientInput, type SeatedPlayer } from "../utils/FrameSync.ts";
import type { ReplayRules } from "../replays/recorder.ts";
import type { Seat } from "../reconnection/seats.ts";
import { MyRoomState, Player } from "./schema/MyRoomState.ts";

/** The inputs this game understands; anything else in `inputs` is refused by name. */
const ExampleInputs = z.strictObject({
  move: z.strictObject({ x: z.number(), y: z.number() }).optional(),
  attack: z.union([z.boolean(), z.number(), z.string(), z.null()]).optional(),
  jump: z.boolean().optional(),
});

export class GameRoomExample extends FrameSyncRoom<MyRoomState> {
  state = new MyRoomState();
  protected inputsSchema = ExampleInputs as z.ZodType<Record<string, unknown>>;
  /** Replays re-run the very rule onFrameUpdate applies (contract §7: the replay checker must reach final.players). */
  protected replayRules: ReplayRules<SimPlayer> = {
    capture: (p) => {
      const { x, y, attacking } = p as unknown as Player;
      return { x, y, attacking };
    },
    apply: applyPlayerInput,
  };

  onCreate(options: unknown): void {
    super.onCreate(options);
    this.onClientMessage("chat", ChatMessage, (client, _seat: Seat, message) => {
      this.broadcast("chat", { sessionId: client.sessionId, message }, { except: client });
    });
  }

  protected onFrameUpdate(frame: number, inputs: ClientInput[]): void {
    for (const input of inputs) {
      const player = this.state.players.get(input.clientId) as Player | undefined;
      if (!player) continue;
      for (const { action, data } of applyPlayerInput(player, input.inputs)) {
        this.broadcast("playerAction", { sessionId: input.clientId, action, data });
      }
    }
    this.state.frame = frame;
  }

  protected createPlayer(seat: { sessionId: string; userId: string; seatIndex: number }): SeatedPlayer {
    const { x, y } = spawnPoint(seat.seatIndex);
    return new Player({ ...seat, online: true, x, y, attacking: false }) as unknown as SeatedPlayer;
  }

  protected clonePlayer(player: SeatedPlayer, sessionId: string): SeatedPlayer {
    const p = player as unknown as Player;
    return new Player({
      sessionId,
      userId: p.userId,
      seatIndex: p.seatIndex,
      online: p.online,
      x: p.x,
      y: p.y,
      attacking: p.attacking,
    }) as unknown as SeatedPlayer;
  }
}
