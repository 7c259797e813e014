/** Schema of `race_room`: Schema classes only. */
import { MapSchema, schema, t, type SchemaType } from "@colyseus/schema";

export const RunnerState = schema(
  {
    // What FrameSyncRoom needs of every player.
    sessionId: t.string(),
    userId: t.string(),
    seatIndex: t.int16().default(-1),
    online: t.boolean().default(true),
    // The race.
    x: t.float64().default(0),
    y: t.float64().default(0),
    score: t.uint8().default(0),
  },
  "RunnerState",
);
export type RunnerState = SchemaType<typeof RunnerState>;

export const RaceState = schema(
  {
    frame: t.number().default(0),
    players: t.map(RunnerState),
    /** The winner's userId; "" while the race is on. */
    winner: t.string().default(""),
  },
  "RaceState",
);
export type RaceState = SchemaType<typeof RaceState> & { players: MapSchema<RunnerState> };
