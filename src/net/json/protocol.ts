/**
 * The JSON protocol's envelopes (contract §9, `framesync.json.v1`), typed twice: zod
 * schemas for what arrives and TypeScript types for what we send. Room payloads inside
 * `send.data` are not judged here: they take the room's own guarded path.
 */
import { z } from "zod";

export const JSON_PATH = "/json";
export const JSON_SUBPROTOCOL = "framesync.json.v1";

/** A socket that has not joined a room within this time is closed with CloseCodes.JOIN_TIMEOUT (1008). */
export const JOIN_TIMEOUT_MS = 15_000;

export const JOIN_MODES = ["joinOrCreate", "create", "join", "joinById", "reconnect"] as const;
export type JoinMode = (typeof JOIN_MODES)[number];

/** `rid`: any JSON scalar, echoed in the answer. */
const Rid = z.union([z.string().max(128), z.number(), z.boolean(), z.null()]);

export const JoinEnvelope = z.object({
  type: z.literal("join"),
  rid: Rid.optional(),
  mode: z.enum(JOIN_MODES),
  // Room names and room ids are short URL-safe strings (Colyseus' own rule).
  room: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/, "must be a room name or roomId").optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  reconnectionToken: z.string().regex(/^[A-Za-z0-9_-]{1,128}:[A-Za-z0-9_-]{1,128}$/, "must be roomId:token as `joined` gave it").optional(),
});
export type JoinEnvelope = z.infer<typeof JoinEnvelope>;

/** `send.name`: a room message type (`input`, `chat`, `match:find`…); `data` is the room's to validate. */
export const MAX_SEND_NAME_CHARS = 64;

/** Server → client frames. */
export type ServerFrame =
  | { type: "joined"; rid?: unknown; roomId: string; roomName: string; sessionId: string; reconnectionToken: string; protocol: typeof JSON_SUBPROTOCOL }
  | { type: "error"; rid?: unknown; code: string | number; message: string };
