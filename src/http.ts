/**
 * HTTP routes (contract §5): health, metrics, the dev-only token endpoint and the
 * static demo page with the SDK bundle served from our own origin (no CDN).
 */
import type { ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type Application } from "express";
import { z } from "zod";
import type { Config } from "./config.ts";
import { describeZodError } from "./protocol/messages.ts";
import { HttpStatus } from "./protocol/codes.ts";
import { signAccessToken } from "./utils/auth.ts";
import { replayStore } from "./replays/store.ts";
import { REPLAY_LIST_DEFAULT, REPLAY_LIST_MAX } from "./utils/limits.ts";
import { registry } from "./utils/metrics.ts";
import { isShuttingDown } from "./shutdown.ts";
import { browserAsset, browserBuilds } from "./browserAssets.ts";
import { mountRoomRoutes } from "./roomRoutes.ts";

const here = path.dirname(fileURLToPath(import.meta.url));
export const PUBLIC_DIR = path.join(here, "public");

/** The compiled game modules the demo page loads from /game/ (see browserAssets.ts). */
const BROWSER_GAME_MODULES = new Set(
  Object.keys(browserBuilds(here))
    .filter((file) => file.startsWith("game/"))
    .map((file) => path.basename(file, ".js")),
);

/** `GET /replays?limit=`: how many of the most recent replays. */
const ReplayListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(REPLAY_LIST_MAX).default(REPLAY_LIST_DEFAULT),
});
/** Colyseus room ids are short URL-safe strings; nothing else can name a replay. */
const REPLAY_ROOM_ID = /^[A-Za-z0-9_-]{1,64}$/;

const DevTokenRequest = z.strictObject({
  userId: z.string().trim().min(1).max(128),
  username: z.string().trim().min(1).max(128).optional(),
});

export function mountRoutes(app: Application, cfg: Readonly<Config>, health: () => Record<string, unknown>): void {
  app.disable("x-powered-by");

  // While draining after SIGTERM the answer is 503, so a load balancer sends no new players here.
  app.get("/health", (_req, res) => {
    if (isShuttingDown()) res.status(HttpStatus.UNAVAILABLE).json({ status: "draining", ...health() });
    else res.json({ status: "ok", ...health() });
  });

  app.get("/metrics", async (_req, res) => {
    if (cfg.metricsPort !== undefined) {
      res.status(HttpStatus.NOT_FOUND).json({ error: "/metrics is served on METRICS_PORT only" });
      return;
    }
    await metricsHandler(res);
  });

  if (!cfg.isProduction) {
    app.post("/auth/dev-token", express.json({ limit: "2kb" }), (req, res) => {
      const parsed = DevTokenRequest.safeParse(req.body ?? {});
      if (!parsed.success) {
        res.status(HttpStatus.BAD_REQUEST).json({ error: describeZodError(parsed.error) });
        return;
      }
      const { userId, username } = parsed.data;
      const token = signAccessToken({ userId, username }, cfg.devTokenTtlS);
      res.json({ token, userId, expiresIn: cfg.devTokenTtlS });
    });
  }

  // Replays (contract §7): with REDIS_URL any process of the cluster serves any replay.
  app.get("/replays", async (req, res) => {
    const query = ReplayListQuery.safeParse(req.query);
    if (!query.success) {
      res.status(HttpStatus.BAD_REQUEST).json({ error: describeZodError(query.error) });
      return;
    }
    res.json(await replayStore().list(query.data.limit));
  });
  app.get("/replays/:roomId", async (req, res) => {
    const roomId = req.params.roomId;
    const json = REPLAY_ROOM_ID.test(roomId) ? await replayStore().get(roomId) : undefined;
    if (!json) {
      res.status(HttpStatus.NOT_FOUND).json({ error: `no replay of room ${JSON.stringify(roomId.slice(0, 64))}` });
      return;
    }
    res.type("application/json").send(json);
  });

  mountRoomRoutes(app, cfg);

  app.get("/vendor/colyseus.js", async (_req, res, next) => {
    try {
      res.type("text/javascript").set("Cache-Control", "no-cache").send(await browserAsset(PUBLIC_DIR, here, "vendor/colyseus.js"));
    } catch (err) {
      next(err);
    }
  });
  app.get("/game/:file", async (req, res, next) => {
    const name = req.params.file.replace(/\.js$/, "");
    if (!req.params.file.endsWith(".js") || !BROWSER_GAME_MODULES.has(name)) return next();
    try {
      res.type("text/javascript").set("Cache-Control", "no-cache").send(await browserAsset(PUBLIC_DIR, here, `game/${name}.js`));
    } catch (err) {
      next(err);
    }
  });
  app.get("/", (_req, res) => res.redirect("/FrameSync.html"));
  app.use(express.static(PUBLIC_DIR, { index: false }));
  // No such route: a JSON answer naming it, like every other answer of this server (not Express' HTML page).
  app.use((req, res) => {
    res.status(HttpStatus.NOT_FOUND).json({ error: `no route ${req.method} ${req.path}` });
  });

  // A bad JSON body or any other route error: a JSON answer, never a stack trace.
  app.use((err: Error & { status?: number }, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err.status && err.status >= HttpStatus.BAD_REQUEST && err.status < HttpStatus.SERVER_ERROR ? err.status : HttpStatus.SERVER_ERROR).json({ error: err.message });
  });
}

/** The Prometheus text, on PORT or on METRICS_PORT's own server. */
export async function metricsHandler(res: ServerResponse): Promise<void> {
  const body = await registry.metrics();
  res.setHeader("content-type", registry.contentType);
  res.end(body);
}
