/**
 * The example game behind `game_room` (contract §3 "Example game rules"): players move,
 * attack and jump; positions live in Schema state, actions go out as `playerAction`.
 * The rules themselves are the pure functions of ../game/rules.ts. Fork this class
 * (or write your own FrameSyncRoom) for a real game.
 */
import { z } from "zod";
import { applyPlayerInput, spawnPoint, type SimPlayer } from "../game/rules.ts";
import type { Client } from "@colyseus/core";
import { isFiniteNumber, isPlainObject, isPlainScalar, type InputsFastCheck } from "../net/inputFastPath.ts";
import { ChatMessage } from "../protocol/messages.ts";
import type { GameRoomClientMessages, GameRoomServerMessages } from "../protocol/payloads.ts";
import { FrameSyncRoom, type ClientInput, type ReplayRules, type SeatInfo } from "../utils/FrameSync.ts";
import { MyRoomState, Player } from "./schema/MyRoomState.ts";

/** The inputs this game understands; anything else in `inputs` is refused by name. */
export const ExampleInputs = z.strictObject({
  move: z.strictObject({ x: z.number(), y: z.number() }).optional(),
  attack: z.union([z.boolean(), z.number(), z.string(), z.null()]).optional(),
  jump: z.boolean().optional(),
});

/**
 * ExampleInputs checked by hand for the input fast path: true only for what ExampleInputs
 * accepts unchanged (test/unit/input-fast-path.test.ts compares the two); anything else goes to zod.
 */
export const exampleInputsFast: InputsFastCheck = (inputs) => {
  for (const key in inputs) {
    const value = inputs[key];
    if (key === "move") {
      if (!isMove(value)) return false;
    } else if (key === "attack") {
      if (!isPlainScalar(value)) return false;
    } else if (key === "jump") {
      if (typeof value !== "boolean") return false;
    } else {
      return false;
    }
  }
  return true;
};

function isMove(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  let keys = 0;
  for (const key in value) {
    if ((key !== "x" && key !== "y") || !isFiniteNumber(value[key])) return false;
    keys++;
  }
  return keys === 2;
}

export class GameRoomExample extends FrameSyncRoom<MyRoomState> {
  // Types only (no runtime effect): what this room sends and accepts, for `Client<GameServer>`.
  declare "~client": Client<{ messages: GameRoomServerMessages }>;
  declare messages: GameRoomClientMessages;

  state = new MyRoomState();
  protected inputsSchema = ExampleInputs as z.ZodType<Record<string, unknown>>;
  protected inputsFastCheck = exampleInputsFast;
  /** Replays re-run the very rule onFrameUpdate applies (contract §7: the replay checker must reach final.players). */
  protected replayRules: ReplayRules<SimPlayer, Player> = {
    capture: ({ x, y, attacking }) => ({ x, y, attacking }),
    apply: applyPlayerInput,
  };

  onCreate(options: unknown): void {
    super.onCreate(options);
    this.onClientMessage("chat", ChatMessage, (client, _seat, message) => {
      this.broadcastTo("chat", { sessionId: client.sessionId, message }, client);
    });
  }

  protected onFrameUpdate(frame: number, inputs: ClientInput[]): void {
    for (const input of inputs) {
      const player = this.state.players.get(input.clientId);
      if (!player) continue;
      for (const { action, data } of applyPlayerInput(player, input.inputs)) {
        this.broadcastTo("playerAction", { sessionId: input.clientId, action, data });
      }
    }
    this.state.frame = frame;
  }

  protected createPlayer(seat: SeatInfo): Player {
    const { x, y } = spawnPoint(seat.seatIndex);
    return new Player({ ...seat, online: true, x, y, attacking: false });
  }

  protected clonePlayer(p: Player, sessionId: string): Player {
    return new Player({ sessionId, userId: p.userId, seatIndex: p.seatIndex, online: p.online, x: p.x, y: p.y, attacking: p.attacking });
  }
}
