/**
 * Wiring only: transport, presence/driver, rooms and routes for one server process.
 * Without REDIS_URL everything is in process (the embedded default); with it,
 * RedisPresence + RedisDriver make several processes one cluster.
 */
import { LocalDriver, LocalPresence, defineRoom, defineServer, matchMaker } from "@colyseus/core";
import { RedisPresence } from "@colyseus/redis-presence";
import { WebSocketTransport } from "@colyseus/ws-transport";
import type { Config } from "./config.ts";
import { mountRoutes } from "./http.ts";
import { GameRoomExample } from "./rooms/GameRoomExample.ts";
import { RaceRoom } from "../examples/race/RaceRoom.ts";
import { MatchmakerRoom } from "./rooms/MatchmakerRoom.ts";
import { LOBBY_HOME_OPTION, MATCHMAKER_ROOM, selectProcessForRoom } from "./matchmaking/lobby.ts";
import { initMatchmaking } from "./matchmaking/matchmaker.ts";
import { MAX_MESSAGE_BYTES, MAX_MESSAGE_FRAGMENTS, PING_INTERVAL_MS, PING_MAX_RETRIES } from "./utils/limits.ts";
import { initReconnectStore } from "./reconnection/reconnectStore.ts";
import { initReplayStore } from "./replays/store.ts";
import { createRedis } from "./utils/redis.ts";
import { ConnectionGuard } from "./net/connectionGuard.ts";
import { createHttpServer } from "./net/httpServer.ts";
import { JsonEndpoint, chooseSubprotocol, isJsonUpgrade } from "./net/json/endpoint.ts";
import { installMatchmakeChecks } from "./net/matchmakeChecks.ts";
import { attachTransport } from "./net/internals.ts";
import { installSendPath } from "./net/sendPath.ts";
import { colyseusLogger } from "./utils/logger.ts";
import { OutageTolerantRedisDriver, republishAfterRedisOutages } from "./utils/redisRecovery.ts";

/**
 * The server's type, rooms included: `new Client<GameServer>(url)` (@colyseus/sdk 0.18)
 * then types each room's state, the messages it sends and the ones it accepts.
 */
export type GameServer = ReturnType<typeof createGameServer>;

export function createGameServer(cfg: Readonly<Config>) {
  const redis = cfg.redisUrl ? createRedis(cfg.redisUrl, "store") : undefined;
  initReconnectStore(redis);
  initReplayStore(redis, cfg.replayTtlS);
  initMatchmaking(redis);

  const transport = new WebSocketTransport({
    noServer: true,
    maxPayload: MAX_MESSAGE_BYTES,
    maxFragments: MAX_MESSAGE_FRAGMENTS,
    pingInterval: PING_INTERVAL_MS,
    pingMaxRetries: PING_MAX_RETRIES,
    handleProtocols: chooseSubprotocol,
  });
  // The transport takes every upgrade but /json, which the JSON endpoint (contract §9) serves on the same ws server.
  const http = createHttpServer();
  attachTransport(transport, http, (req) => !isJsonUpgrade(req));
  const guard = new ConnectionGuard(cfg.maxPendingConnectionsPerIp);
  guard.attach(transport);
  new JsonEndpoint(transport, guard).attach(http);
  installMatchmakeChecks(http);
  installSendPath();
  const driver = cfg.redisUrl ? new OutageTolerantRedisDriver(createRedis(cfg.redisUrl, "driver")) : undefined;
  if (driver) republishAfterRedisOutages(driver);

  return defineServer({
    transport,
    // Presence and driver get the same bounded connections as ours (timeouts, fail fast, retry forever).
    presence: cfg.redisUrl ? new RedisPresence(createRedis(cfg.redisUrl, "presence")) : new LocalPresence(),
    driver: driver ?? new LocalDriver(),
    publicAddress: cfg.publicAddress,
    selectProcessIdToCreateRoom: selectProcessForRoom,
    gracefullyShutdown: false, // index.ts owns the signals
    greet: false,
    logger: colyseusLogger,
    express: (app) =>
      mountRoutes(app, cfg, () => ({
        processId: matchMaker.processId,
        redis: cfg.redisUrl ? (redis?.status === "ready" ? "up" : "down") : "off",
      })),
    rooms: {
      // No registration options: Colyseus would merge them over the client's and the
      // matchmaker's. The defaults ({ fps: 20, recordFrames: false }) live in onCreate.
      game_room: defineRoom(GameRoomExample),
      race_room: defineRoom(RaceRoom), // the second example game (examples/race/)
      // One matchmaker room per process, reached by the clients of that process (see matchmaking/lobby.ts).
      [MATCHMAKER_ROOM]: defineRoom(MatchmakerRoom).filterBy([LOBBY_HOME_OPTION]),
    },
  });
}
