/**
 * Start-up failures (contract §8): a server that cannot serve never keeps running. Each
 * check ends the process within seconds with exit status 1 and one fatal log line that
 * names the cause and the fix: the port in use (PORT or METRICS_PORT), a REDIS_URL that
 * does not answer. (A Node.js older than 22 is caught even earlier, by preflight.ts.)
 */
import http from "node:http";
import net from "node:net";
import type { Server } from "@colyseus/core";
import { Redis } from "ioredis";
import type { Config } from "./config.ts";
import { metricsHandler } from "./http.ts";
import { logger } from "./utils/logger.ts";
import { isRedisConnectionError } from "./utils/redis.ts";

/** How long the boot waits for REDIS_URL to answer (a Redis started next to us may need a moment). */
const REDIS_BOOT_WAIT_MS = 3_000;
/** One connection attempt at boot. */
const REDIS_BOOT_CONNECT_TIMEOUT_MS = 2_000;
const REDIS_BOOT_RETRY_PAUSE_MS = 500;

function die(fields: Record<string, unknown>, msg: string): never {
  logger.fatal(fields, msg);
  process.exit(1);
}

/** The URL without its password, for logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return url;
  }
}

/** The port REDIS_URL points at, so the hint starts Redis where the server will look. */
function redisPort(url: string): string {
  try {
    return new URL(url).port || "6379";
  } catch {
    return "6379";
  }
}

function redisUnreachable(url: string, reason: string): never {
  const shown = redactRedisUrl(url);
  die(
    { redisUrl: shown, err: reason },
    `REDIS_URL=${shown} is unreachable (${reason}): start Redis there (e.g. \`redis-server --port ${redisPort(url)}\`), ` +
      `correct REDIS_URL, or unset REDIS_URL to run a single process without Redis`,
  );
}

/** Waits up to REDIS_BOOT_WAIT_MS for REDIS_URL to answer PING; otherwise ends the process. */
export async function requireRedis(url: string): Promise<void> {
  const deadline = Date.now() + REDIS_BOOT_WAIT_MS;
  let reason = "no answer";
  for (;;) {
    const probe = new Redis(url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: REDIS_BOOT_CONNECT_TIMEOUT_MS,
      commandTimeout: REDIS_BOOT_CONNECT_TIMEOUT_MS,
    });
    let socketError: string | undefined; // connect() itself only says "Connection is closed."
    probe.on("error", (err) => (socketError ??= err.message));
    try {
      await probe.connect();
      if ((await probe.ping()) === "PONG") return;
    } catch (err) {
      reason = socketError ?? ((err as Error).message || String(err));
      // A refused login or a missing database will not fix itself by waiting.
      if (/WRONGPASS|NOAUTH|invalid DB index|ERR DB index/i.test(reason)) break;
    } finally {
      probe.disconnect();
    }
    if (Date.now() + REDIS_BOOT_RETRY_PAUSE_MS > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, REDIS_BOOT_RETRY_PAUSE_MS));
  }
  redisUnreachable(url, reason);
}

function portProblem(err: NodeJS.ErrnoException, variable: string, port: number, host: string): never {
  if (err.code === "EADDRINUSE") {
    die(
      { port, host, code: err.code },
      `port ${port} (${variable}) is already in use: stop the program listening on it ` +
        `(\`ss -ltnp 'sport = :${port}'\` names it) or start with another ${variable}, e.g. ${variable}=${port + 1}`,
    );
  }
  if (err.code === "EACCES") {
    die({ port, host, code: err.code }, `not allowed to listen on port ${port} (${variable}): use a port above 1023 or run with the needed privileges`);
  }
  if (err.code === "EADDRNOTAVAIL") {
    die({ port, host, code: err.code }, `HOST=${host} is not an address of this machine: set HOST to one of its addresses, or :: / 0.0.0.0 for all`);
  }
  die({ port, host, code: err.code, err: err.message }, `cannot listen on ${host} port ${port} (${variable}): ${err.message}`);
}

/** Binds and releases the port once, so a taken port stops the boot before this process joins a cluster. */
async function checkPortFree(port: number, host: string, variable: string): Promise<void> {
  if (port === 0) return;
  const probe = net.createServer();
  await new Promise<void>((resolve) => {
    probe.once("error", (err: NodeJS.ErrnoException) => portProblem(err, variable, port, host));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/**
 * PORT and METRICS_PORT, checked first thing: a taken port ends the boot at once, before
 * Redis is waited for or this process registers in a cluster. (A port taken between this
 * check and the listen is still caught by listenOrExit.)
 */
export async function checkPortsFree(cfg: Readonly<Config>): Promise<void> {
  await checkPortFree(cfg.port, cfg.host, "PORT");
  if (cfg.metricsPort !== undefined) await checkPortFree(cfg.metricsPort, cfg.host, "METRICS_PORT");
}

/**
 * `server.listen()` of Colyseus never settles when the port is taken (its transport
 * only logs the error), so the HTTP server's `error` event is ours during the listen.
 */
export async function listenOrExit(server: Server, cfg: Readonly<Config>): Promise<void> {
  const httpServer = server.transport.server as http.Server | undefined;
  const theirs = httpServer ? httpServer.listeners("error") : [];
  httpServer?.removeAllListeners("error");
  try {
    await new Promise<void>((resolve, reject) => {
      httpServer?.once("error", reject);
      server.listen(cfg.port, cfg.host).then(() => resolve(), reject);
    });
  } catch (err) {
    if (cfg.redisUrl && isBootRedisError(err)) redisUnreachable(cfg.redisUrl, (err as Error).message);
    if ((err as NodeJS.ErrnoException).syscall === "listen") portProblem(err as NodeJS.ErrnoException, "PORT", cfg.port, cfg.host);
    throw err;
  }
  httpServer?.removeAllListeners("error");
  for (const listener of theirs) httpServer?.on("error", listener as (err: Error) => void);
}

function isBootRedisError(err: unknown): boolean {
  return isRedisConnectionError(err) || (err as Error)?.name === "MaxRetriesPerRequestError";
}

/** METRICS_PORT (contract §1): `/metrics` alone, on its own port; anything else is 404. */
export async function startMetricsServer(cfg: Readonly<Config>): Promise<http.Server | undefined> {
  if (cfg.metricsPort === undefined) return undefined;
  const port = cfg.metricsPort;
  const server = http.createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === "/metrics") return void metricsHandler(res);
    res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: "only GET /metrics is served on METRICS_PORT" }));
  });
  await new Promise<void>((resolve) => {
    server.once("error", (err: NodeJS.ErrnoException) => portProblem(err, "METRICS_PORT", port, cfg.host));
    server.listen(port, cfg.host, () => resolve());
  });
  server.unref(); // it never holds the process open: the game server decides when to exit
  return server;
}
