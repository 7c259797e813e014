/**
 * Compile-time checks of the typed SDK client (`Client<GameServer>`), run by
 * `npm run typecheck` (never executed). Each `@ts-expect-error` must be an error: if the
 * room types decayed to `any`, TypeScript reports the directive as unused and the
 * typecheck fails.
 */
import { Client } from "@colyseus/sdk";
import type { GameServer } from "../../src/app.config.ts";
import type { ExamplePlayerActionPayload, FrameSyncPayload, MatchFound } from "../../src/protocol/payloads.ts";

export async function typedGameRoom(client: Client<GameServer>): Promise<void> {
  const room = await client.joinOrCreate("game_room", { token: "t" });

  // State: the server's MyRoomState.
  const frame: number = room.state.frame;
  const name: string | undefined = room.state.players.get("someone")?.userId;
  // @ts-expect-error -- no such field in MyRoomState
  room.state.score;

  // Server → client payloads.
  room.onMessage("frameSync", (m) => {
    const p: FrameSyncPayload = m;
    const key: string = m.reconnectKey;
    // @ts-expect-error -- frameSync has no such field
    m.nope;
    void [p, key];
  });
  room.onMessage("playerAction", (m: ExamplePlayerActionPayload) => {
    if (m.action === "move") {
      const x: number = m.data.x;
      void x;
    }
  });
  // @ts-expect-error -- game_room never sends this message
  room.onMessage("match:found", () => {});

  // Client → server payloads.
  room.send("input", { inputs: { move: { x: 1, y: 0 }, jump: true }, frame: 3 });
  room.send("chat", "hello");
  room.send("frames:since", { frame: 10 });
  // @ts-expect-error -- move must be { x, y } numbers
  room.send("input", { inputs: { move: "left" } });
  // @ts-expect-error -- game_room has no such message
  room.send("jump", {});
  void [frame, name];
}

export async function typedMatchmaker(client: Client<GameServer>): Promise<void> {
  const lobby = await client.joinOrCreate("matchmaker_room", { token: "t" });
  lobby.send("match:find", { playersPerMatch: 2 });
  // @ts-expect-error -- playersPerMatch is required
  lobby.send("match:find", {});
  lobby.onMessage("match:found", (found) => {
    const f: MatchFound = found;
    void client.joinById(found.roomId, { ...f.joinOptions, token: "t" });
  });
}
