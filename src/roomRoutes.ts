/**
 * `GET /rooms` and `/monitor` (contract §5): what is running, for lobbies, the demo page
 * and operators. Both read Colyseus' room listing, so with REDIS_URL they show the whole
 * cluster from any process.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Application, NextFunction, Request, Response } from "express";
import { matchMaker, type IRoomCache } from "@colyseus/core";
import { monitor } from "@colyseus/monitor";
import type { Config } from "./config.ts";
import type { FrameSyncMetadata, RoomListEntry } from "./protocol/rooms.ts";

/** The room type `GET /rooms` lists. */
const LISTED_ROOM = "game_room";

/** Public (joinable, not matchmade) game rooms, oldest first. */
export async function listPublicRooms(): Promise<RoomListEntry[]> {
  const rooms = (await matchMaker.query({ name: LISTED_ROOM })) as IRoomCache<FrameSyncMetadata | undefined>[];
  return rooms
    .filter((r) => !r.private && !r.locked && !r.unlisted && r.metadata && !r.metadata.matchmade)
    .map((r) => ({
      roomId: r.roomId,
      name: r.name,
      clients: r.clients,
      maxPlayers: r.metadata!.maxPlayers,
      fps: r.metadata!.fps,
      lockstep: r.metadata!.lockstep,
      createdAt: new Date(r.createdAt ?? 0).getTime(),
    }))
    .sort((a, b) => a.createdAt - b.createdAt || a.roomId.localeCompare(b.roomId));
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

/** HTTP Basic with any user name; the password compared in constant time. */
function basicAuth(password: string) {
  const expected = sha256(password);
  return (req: Request, res: Response, next: NextFunction) => {
    const [scheme, encoded] = (req.headers.authorization ?? "").split(" ");
    const decoded = scheme?.toLowerCase() === "basic" && encoded ? Buffer.from(encoded, "base64").toString("utf8") : "";
    const given = decoded.includes(":") ? decoded.slice(decoded.indexOf(":") + 1) : undefined;
    if (given !== undefined && timingSafeEqual(sha256(given), expected)) return next();
    res.set("WWW-Authenticate", 'Basic realm="framesync-server monitor", charset="UTF-8"');
    res.status(401).json({ error: given === undefined ? "the monitor needs a password (HTTP Basic, any user name)" : "wrong monitor password" });
  };
}

export function mountRoomRoutes(app: Application, cfg: Readonly<Config>): void {
  app.get("/rooms", async (_req, res, next) => {
    try {
      res.set("Cache-Control", "no-store").json(await listPublicRooms());
    } catch (err) {
      next(err);
    }
  });

  // Development: open (unless a password is set). Production: absent (404) without MONITOR_PASSWORD.
  if (cfg.monitorPassword !== undefined) app.use("/monitor", basicAuth(cfg.monitorPassword), monitor());
  else if (!cfg.isProduction) app.use("/monitor", monitor());
}
