/**
 * Prometheus metrics (contract §5), served at GET /metrics. Labels are bounded:
 * room type names, error codes, reconnect paths and outcomes — never ids.
 */
import client from "prom-client";

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

const counter = (name: string, help: string, labelNames: string[] = []) =>
  new client.Counter({ name, help, labelNames, registers: [registry] });
const gauge = (name: string, help: string, labelNames: string[] = []) =>
  new client.Gauge({ name, help, labelNames, registers: [registry] });

/**
 * An unlabelled counter bumped on the hot path (every tick, every input): `inc()` adds to a
 * plain number, handed to prom-client when /metrics is scraped, instead of prom-client's
 * per-call label handling.
 */
function hotCounter(name: string, help: string): { inc(by?: number): void } {
  let pending = 0;
  new client.Counter({
    name,
    help,
    registers: [registry],
    collect() {
      if (pending > 0) this.inc(pending);
      pending = 0;
    },
  });
  return {
    inc(by = 1) {
      pending += by;
    },
  };
}

/** Rooms open in this process; the room and client gauges are read from them at scrape time. */
const liveRooms = new Set<{ roomName: string; clients: { length: number } }>();

export function trackRoom(room: { roomName: string; clients: { length: number } }): void {
  liveRooms.add(room);
}

export function untrackRoom(room: { roomName: string; clients: { length: number } }): void {
  liveRooms.delete(room);
}

function countByName(read: (room: { roomName: string; clients: { length: number } }) => number) {
  const totals = new Map<string, number>();
  for (const room of liveRooms) totals.set(room.roomName, (totals.get(room.roomName) ?? 0) + read(room));
  return totals;
}

/** A client's wire protocol, a bounded metric label: JSON clients (contract §9) say so. */
export function protocolOf(client: object): "json" | "colyseus" {
  return (client as { protocol?: string }).protocol === "json" ? "json" : "colyseus";
}

/**
 * Tick lateness bucket bounds (seconds). Fine below 10 ms, where the targets are
 * (p99 <= 2 ms idle, <= 10 ms under load); bench/ reads its quantiles from them.
 */
export const TICK_LATENESS_BUCKETS_S = [0.0005, 0.001, 0.0015, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/**
 * An unlabelled histogram for what every tick of every room observes: observe() is a bucket
 * search and three additions, where prom-client's Histogram builds and hashes a label set
 * per call (a few % of the server's CPU at hundreds of rooms). GET /metrics shows it exactly
 * as prom-client shows a Histogram: cumulative `_bucket{le}` series, then `+Inf`, `_sum`, `_count`.
 */
export class TickHistogram {
  readonly type = "histogram";
  readonly aggregator = "sum";
  /** Per bucket, not cumulative; the last one is +Inf. */
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(readonly name: string, readonly help: string, private readonly upperBounds: readonly number[], register: client.Registry = registry) {
    this.counts = new Float64Array(upperBounds.length + 1);
    register.registerMetric(this as unknown as client.Metric);
  }

  /** Counts `value` in the first bucket whose bound is at least `value` (prom-client's rule). */
  observe(value: number): void {
    const bounds = this.upperBounds;
    let i = 0;
    while (i < bounds.length && value > bounds[i]) i++;
    this.counts[i]++;
    this.sum += value;
    this.count++;
  }

  get() {
    const bucket = `${this.name}_bucket`;
    const values: Array<{ labels: Record<string, string | number>; value: number; metricName: string }> = [];
    let cumulative = 0;
    this.upperBounds.forEach((le, i) => {
      cumulative += this.counts[i];
      values.push({ labels: { le }, value: cumulative, metricName: bucket });
    });
    values.push(
      { labels: { le: "+Inf" }, value: this.count, metricName: bucket },
      { labels: {}, value: this.sum, metricName: `${this.name}_sum` },
      { labels: {}, value: this.count, metricName: `${this.name}_count` },
    );
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }

  reset(): void {
    this.counts = new Float64Array(this.upperBounds.length + 1);
    this.sum = 0;
    this.count = 0;
  }
}

export const metrics = {
  rooms: new client.Gauge({
    name: "framesync_rooms",
    help: "Rooms open in this process",
    labelNames: ["room"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [room, n] of countByName(() => 1)) this.set({ room }, n);
    },
  }),
  clients: new client.Gauge({
    name: "framesync_clients",
    help: "Clients connected to rooms of this process",
    labelNames: ["room"],
    registers: [registry],
    collect() {
      this.reset();
      for (const [room, n] of countByName((r) => r.clients.length)) this.set({ room }, n);
    },
  }),
  clientsByProtocol: new client.Gauge({
    name: "framesync_clients_by_protocol",
    help: "Clients connected to rooms of this process, by wire protocol: colyseus (SDK) or json (contract §9)",
    labelNames: ["protocol"],
    registers: [registry],
    collect() {
      let json = 0;
      let all = 0;
      for (const room of liveRooms) {
        for (const c of room.clients as unknown as Iterable<{ protocol?: string }>) {
          all++;
          if (c.protocol === "json") json++;
        }
      }
      this.set({ protocol: "colyseus" }, all - json);
      this.set({ protocol: "json" }, json);
    },
  }),
  jsonEnvelopeErrors: counter("framesync_json_envelope_errors_total", "JSON protocol frames refused before any room saw them, by code: BAD_FRAME, NOT_JOINED, ALREADY_JOINED, RATE_LIMITED, JOIN_TIMEOUT", ["code"]),
  messagesRejectedByProtocol: counter("framesync_messages_rejected_by_protocol_total", "Client messages the rooms rejected (all codes), by the sender's wire protocol", ["protocol"]),
  ticks: hotCounter("framesync_ticks_total", "Frames simulated"),
  lateTicks: counter("framesync_late_ticks_total", "Ticks whose lateness or run time exceeded maxFrameDelay"),
  tickLateness: new TickHistogram("framesync_tick_lateness_seconds", "How late each tick started against its schedule", TICK_LATENESS_BUCKETS_S),
  tickDuration: new TickHistogram("framesync_tick_duration_seconds", "Run time of one tick (merge, rules, sync)", [0.0001, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.05, 0.1]),
  inputsAccepted: hotCounter("framesync_inputs_accepted_total", "Input messages accepted"),
  messagesRejected: counter("framesync_messages_rejected_total", "Client messages rejected, by error code", ["code"]),
  joinsRefused: counter("framesync_joins_refused_total", "Joins refused, by code", ["code"]),
  clientsClosed: counter("framesync_clients_closed_total", "Connections the server closed, by close code", ["code"]),
  reconnects: counter("framesync_reconnects_total", "Seat recoveries by path (sdk, key, replace) and outcome (ok, refused); a held seat whose window ran out counts as path none, outcome expired", ["path", "outcome"]),
  seatsHeld: gauge("framesync_seats_held", "Seats held for a disconnected player"),
  queueSize: gauge("framesync_matchmaking_queue_size", "Tickets waiting in matchmaking queues known to this process"),
  matchRedeliveries: counter("framesync_match_redeliveries_total", "Sent by a match's room to a seated player not in yet: match:found again, or match:abandoned when it stopped waiting", ["type"]),
  matchesMade: counter("framesync_matches_made_total", "Matches the matchmaker created", ["source"]),
  orphanedMatches: counter("framesync_orphaned_matches_total", "Pending matches whose claiming process died (or hung) before making the room: their players still here were put back in their queue or party", ["source"]),
  staleHolders: counter("framesync_stale_holders_total", "Players freed from a queued ticket or party seat whose matchmaker room was gone (its process died): found when they asked again (found=request) or when a match was formed with them (found=match)", ["kind", "found"]),
  redisErrors: counter("framesync_redis_errors_total", "Redis operations that failed", ["op"]),
  redisUp: gauge("framesync_redis_up", "1 while every Redis connection of this process is ready; 0 while one is down, or without REDIS_URL"),
  connectionsRefused: counter("framesync_connections_refused_total", "Connections that never became a room's client, by reason: ip_cap (refused by the per-IP cap), join_failed (a WebSocket whose room or seat was refused), slow_request (headers not complete within 10 s, or the request within 30 s), bad_request (not HTTP)", ["reason"]),
  pendingConnections: gauge("framesync_pending_connections", "Connections not (yet) a client of a room"),
  protocolErrors: counter("framesync_protocol_errors_total", "WebSocket protocol violations (the socket is closed), by ws error code, e.g. WS_ERR_UNSUPPORTED_MESSAGE_LENGTH for frames over 4 KB", ["code"]),
  processFaults: counter("framesync_process_faults_total", "Exceptions of our own code the process logged and survived, by kind: unhandledRejection, handler (a message handler), frameUpdate / frameSync (a room's game step)", ["kind"]),
};
