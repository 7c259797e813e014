/**
 * Entry of the baseline server (bench only): the same transport and options as
 * src/app.config.ts, one room type `game_room` = BaselineRoom, the dev-token route
 * so the same load generator can join, and /metrics from the baseline's registry.
 */
import type { AddressInfo } from "node:net";
import express from "express";
import { LocalDriver, LocalPresence, Server } from "@colyseus/core";
import { WebSocketTransport } from "@colyseus/ws-transport";
import { signAccessToken } from "../../src/utils/auth.ts";
import { MAX_MESSAGE_BYTES, PING_INTERVAL_MS, PING_MAX_RETRIES } from "../../src/utils/limits.ts";
import { BaselineRoom, registry } from "./BaselineRoom.ts";

const port = Number(process.env.PORT ?? 2568);
const host = process.env.HOST ?? "127.0.0.1";

const server = new Server({
  transport: new WebSocketTransport({ maxPayload: MAX_MESSAGE_BYTES, pingInterval: PING_INTERVAL_MS, pingMaxRetries: PING_MAX_RETRIES }),
  presence: new LocalPresence(),
  driver: new LocalDriver(),
  greet: false,
  express: (app) => {
    app.get("/health", (_req, res) => {
      res.json({ status: "ok", baseline: true });
    });
    app.get("/metrics", async (_req, res) => {
      res.type(registry.contentType).send(await registry.metrics());
    });
    app.post("/auth/dev-token", express.json({ limit: "2kb" }), (req, res) => {
      const userId = String(req.body?.userId ?? "");
      res.json({ token: signAccessToken({ userId }, 3600), userId, expiresIn: 3600 });
    });
  },
});
server.define("game_room", BaselineRoom);
await server.listen(port, host);
const address = server.transport.server?.address() as AddressInfo | undefined;
process.stderr.write(`baseline listening on ${host}:${address?.port ?? port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => process.exit(0));
}
