/** The one logger: structured JSON lines (pino). Rooms log through child loggers carrying their ids. */
import { pino, type Logger } from "pino";

export type { Logger };

export const logger: Logger = pino({
  level: "info",
  base: { service: "framesync-server" },
});

/** Applies the configured level once config is loaded. */
export function setLogLevel(level: string): void {
  logger.level = level;
}

/**
 * Colyseus reports some client faults as errors with a stack trace: a WebSocket protocol
 * violation or an oversized frame (the transport then closes with 1009), a message it
 * could not decode, a reconnection to a room that is gone. Those are expected from the
 * network and from hostile clients, so they are logged on one line at warn (debug for the
 * reconnection notices), never with a stack. Anything else Colyseus calls an error keeps
 * its stack: that one is ours to fix.
 */
const CLIENT_FAULTS = [
  /^Invalid WebSocket frame/,
  /^Max payload size exceeded/,
  /^Too many (message fragments|buffered chunks)/,
  /^Unsupported WebSocket frame/,
  /^WebSocket was closed before/,
  /couldn't decode message/,
  /\b(ECONNRESET|EPIPE|ETIMEDOUT)\b/,
];
/**
 * Whatever ws' frame parser throws was caused by the bytes a peer sent (the socket is
 * closed with 1002/1007/1008/1009 and counted as framesync_protocol_errors_total), so a
 * message not listed above is still a client fault when the top of its stack is there.
 */
const WS_RECEIVER_FRAME = /[\\/]ws[\\/]lib[\\/]receiver\.js:/;

function isClientFault(msg: string, stack: string | undefined): boolean {
  return CLIENT_FAULTS.some((re) => re.test(msg)) || (stack !== undefined && stack.split("\n", 3).some((line) => WS_RECEIVER_FRAME.test(line)));
}
/** Notices Colyseus prints for every failed reconnection or every Redis retry: debug, our own code logs the outage. */
const NOISE = [/has been disposed\. Did you miss/, /reconnection token invalid or expired/, /^RedisPresence: .* connection error/];

function joinArgs(args: unknown[]): string {
  return args
    .map((a) => (a instanceof Error ? (a.stack ?? a.message) : typeof a === "string" ? a : safeStringify(a)))
    .join(" ");
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function splitStack(text: string): { msg: string; stack?: string } {
  const nl = text.indexOf("\n");
  return nl < 0 ? { msg: text } : { msg: text.slice(0, nl), stack: text.slice(nl + 1) };
}

const COLYSEUS = { component: "colyseus" };

/** What `new Server({ logger })` expects; every call goes through the one pino logger. */
export const colyseusLogger = {
  error(...args: unknown[]): void {
    const { msg, stack } = splitStack(joinArgs(args));
    if (isClientFault(msg, stack)) logger.warn({ ...COLYSEUS, clientFault: true }, msg);
    else logger.error({ ...COLYSEUS, stack }, msg);
  },
  warn(...args: unknown[]): void {
    const text = joinArgs(args);
    if (NOISE.some((re) => re.test(text))) logger.debug(COLYSEUS, splitStack(text).msg);
    else logger.warn(COLYSEUS, text);
  },
  info(...args: unknown[]): void {
    const text = joinArgs(args);
    if (NOISE.some((re) => re.test(text))) logger.debug(COLYSEUS, splitStack(text).msg);
    else logger.info(COLYSEUS, text);
  },
  debug(...args: unknown[]): void {
    logger.debug(COLYSEUS, joinArgs(args));
  },
  trace(...args: unknown[]): void {
    logger.trace(COLYSEUS, joinArgs(args));
  },
};
