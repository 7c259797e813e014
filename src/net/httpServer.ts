/**
 * The HTTP server under the WebSocket transport, with the slowloris limits of contract
 * §6: headers within HEADERS_TIMEOUT_MS, the whole request within REQUEST_TIMEOUT_MS,
 * checked every CONNECTIONS_CHECK_INTERVAL_MS (Node's own check runs every 30 s).
 * Requests it cuts or cannot parse are counted; they are client faults, logged at debug.
 */
import http from "node:http";
import type { Duplex } from "node:stream";
import { RawHttpStatus } from "../protocol/codes.ts";
import { CONNECTIONS_CHECK_INTERVAL_MS, HEADERS_TIMEOUT_MS, REQUEST_TIMEOUT_MS } from "../utils/limits.ts";
import { logger } from "../utils/logger.ts";
import { metrics } from "../utils/metrics.ts";

/** Node's own answers for a request it gave up on (what it writes when nobody handles `clientError`). */
const STATUS_BY_ERROR: Record<string, number> = {
  ERR_HTTP_REQUEST_TIMEOUT: RawHttpStatus.REQUEST_TIMEOUT,
  HPE_HEADER_OVERFLOW: RawHttpStatus.HEADER_FIELDS_TOO_LARGE,
};

export function createHttpServer(): http.Server {
  const server = http.createServer({
    headersTimeout: HEADERS_TIMEOUT_MS,
    requestTimeout: REQUEST_TIMEOUT_MS,
    connectionsCheckingInterval: CONNECTIONS_CHECK_INTERVAL_MS,
  });
  server.on("clientError", (err: Error & { code?: string }, socket: Duplex & { bytesWritten?: number }) => {
    // A client that reset its own connection is no fault of anyone's.
    if (err.code !== "ECONNRESET") {
      const slow = err.code === "ERR_HTTP_REQUEST_TIMEOUT";
      metrics.connectionsRefused.inc({ reason: slow ? "slow_request" : "bad_request" });
      logger.debug({ code: err.code, reason: err.message }, slow ? "closed a request whose headers or body came too slowly" : "closed a malformed HTTP request");
      if (socket.writable && !socket.bytesWritten) {
        const status = STATUS_BY_ERROR[err.code ?? ""] ?? RawHttpStatus.BAD_REQUEST;
        socket.write(`HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
      }
    }
    socket.destroy();
  });
  return server;
}
