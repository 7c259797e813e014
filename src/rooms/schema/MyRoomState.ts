/** Schema classes of `game_room` (contract §3 "State"). Schema only: no logic. */
import { MapSchema, schema, t, type SchemaType } from "@colyseus/schema";

export const Player = schema(
  {
    sessionId: t.string(),
    userId: t.string(),
    seatIndex: t.int16().default(-1),
    online: t.boolean().default(true),
    // float64, not number: Schema's "number" sends a fraction as float32 when that is within
    // 1e-4, and a lockstep client resyncing from state must get the server's exact position.
    x: t.float64().default(0),
    y: t.float64().default(0),
    attacking: t.boolean().default(false),
  },
  "Player",
);
export type Player = SchemaType<typeof Player>;

export const MyRoomState = schema(
  {
    frame: t.number().default(0),
    players: t.map(Player),
  },
  "MyRoomState",
);
export type MyRoomState = SchemaType<typeof MyRoomState> & { players: MapSchema<Player> };
