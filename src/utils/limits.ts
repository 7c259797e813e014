/**
 * Every limit, error code and close code of the contract (§3, §6), in one place.
 * Sizes are bytes, durations milliseconds unless the name says otherwise.
 * Codes are never reused for a new meaning.
 */

/** Largest inbound WebSocket frame. The transport closes larger frames with 1009. */
export const MAX_MESSAGE_BYTES = 4 * 1024;

/**
 * Frames one inbound WebSocket message may be split into; one more closes the socket
 * with 1008. ws allows 16,384, and parsing that many empty fragments blocked the event
 * loop ~250 ms (every room on the process missed ticks). Clients send each message in
 * one frame; 64 still lets an engine that streams a 4 KB message send 64-byte pieces.
 */
export const MAX_MESSAGE_FRAGMENTS = 64;

/** Token bucket per client: sustained messages a second, and the burst it may bank. */
export const RATE_LIMIT_PER_S = 60;
export const RATE_LIMIT_BURST = 120;
/** A client sending faster than this multiple of the limit ... */
export const ABUSE_RATE_FACTOR = 4;
/** ... for this long is closed with CloseCodes.ABUSE (protocol/codes.ts) and holds no seat. */
export const ABUSE_DURATION_MS = 2_000;

/** At most one `error` reply per client and code in this interval; the rest are only counted. */
export const ERROR_REPLY_INTERVAL_MS = 1_000;

/** Chat text after trimming. */
export const MAX_CHAT_CHARS = 280;

/** Room tick rate bounds and default (contract §3). */
export const FPS_MIN = 1;
export const FPS_MAX = 120;
export const FPS_DEFAULT = 20;
/** `input.frame` may name a frame at most this many seconds ahead (2 × fps frames). */
export const FRAME_LEAD_SECONDS = 2;
/** A tick later or longer than this is counted as late and logged. */
export const MAX_FRAME_DELAY_MS = 100;
/** Late-tick log lines per room at most once in this interval (they are all counted). */
export const LATE_TICK_LOG_INTERVAL_MS = 5_000;
/** If the loop falls this many frames behind (event loop blocked), it skips ahead instead of bursting. */
export const MAX_CATCHUP_FRAMES = 10;

/** Frames kept by a `recordFrames` room: 30 minutes at 20 fps. The oldest go first. */
export const MAX_RECORDED_FRAMES = 36_000;
/**
 * A lockstep room keeps at least this many seconds of frames for `frames:since` (the
 * contract's promise). It is the default of config LOCKSTEP_HISTORY_S, which tests lower.
 */
export const LOCKSTEP_HISTORY_SECONDS = 10;
/**
 * A saved replay's JSON (UTF-8 bytes): frames, events and final state together. A longer
 * match keeps its most recent frames (older ones are folded into the replay's start
 * snapshot), so this also bounds what a recording room holds in memory. 8 MiB holds the
 * whole MAX_RECORDED_FRAMES ring for two players sending input every frame (~200 B a
 * frame), or about 13 minutes of four players moving and attacking every frame.
 */
export const MAX_REPLAY_BYTES = 8 * 1024 * 1024;
/** Without REDIS_URL, replays kept in process memory: at most this many and this many bytes; the oldest go first. */
export const MAX_MEMORY_REPLAYS = 50;
export const MAX_MEMORY_REPLAY_BYTES = 64 * 1024 * 1024;
/**
 * With REDIS_URL, rows kept in the `mm:replays` listing index (~100 B each). Replays
 * themselves expire with REPLAY_TTL_S; rows of expired ones are pruned on every save.
 */
export const MAX_REDIS_REPLAYS = 10_000;
/**
 * A connection may ask `frames:since` at most once in this interval (RATE_LIMITED
 * otherwise): an answer can hold the whole kept window, and a client needs one per drop.
 */
export const FRAMES_SINCE_MIN_INTERVAL_MS = 250;
/**
 * A `frames:since` answer goes out as `lockstepFrames` messages of about this many bytes
 * (net/catchUp.ts): ten seconds of a big room's frames can be megabytes.
 */
export const CATCH_UP_CHUNK_BYTES = 64 * 1024;
/**
 * A catch-up chunk is sent only while the client's outbound queue holds less than this,
 * far below MAX_OUTBOUND_BUFFER_BYTES: asking for frames never gets a client cut off.
 */
export const CATCH_UP_QUEUE_BYTES = 128 * 1024;
/** `GET /replays` lists this many by default, and at most REPLAY_LIST_MAX (`?limit=`). */
export const REPLAY_LIST_DEFAULT = 20;
export const REPLAY_LIST_MAX = 100;

/** Input payload shape bounds: keys per object, key length, nesting depth, array length, string length. */
export const MAX_INPUT_KEYS = 16;
export const MAX_KEY_CHARS = 32;
export const MAX_INPUT_DEPTH = 4;
export const MAX_ARRAY_ITEMS = 16;
/** Any string in a payload. Above MAX_CHAT_CHARS (plus room for whitespace that trimming removes), so chat is judged by its own rule. */
export const MAX_STRING_CHARS = 1024;

/** Players in a room that the matchmaker did not make (`joinOrCreate("game_room")`). */
export const DEFAULT_ROOM_CAPACITY = 16;
/** Players per match the matchmaker accepts (contract §4). */
export const PLAYERS_PER_MATCH_MIN = 2;
export const PLAYERS_PER_MATCH_MAX = 100;
/**
 * Colyseus counts a held seat and a replacing connection as clients. Its own slot
 * limit is this multiple of the room's capacity so that those never make a seated
 * player's join fail as "full"; the room enforces its real capacity itself.
 */
export const CONNECTION_SLOTS_PER_SEAT = 2;
/**
 * `joinOrCreate` runs again this many times when Colyseus' own retries all met rooms
 * that filled up first (net/seatReservations.ts), so it never answers "room full".
 */
export const JOIN_OR_CREATE_EXTRA_ATTEMPTS = 3;
/** A matchmade room waits this long for its seated players before it may be disposed when empty. */
export const MATCH_FIRST_JOIN_TIMEOUT_MS = 60_000;
/**
 * Two reconnect-key claims for the same seat within this interval: the second is
 * refused (403) instead of replacing the first (one winner when two tabs reclaim at once).
 */
export const RECLAIM_RACE_GUARD_MS = 2_000;

/** Transport keepalive: a client that misses this many pings in a row is dropped (3 s × 3 = within 10 s). */
export const PING_INTERVAL_MS = 3_000;
export const PING_MAX_RETRIES = 2;

/**
 * Slowloris (contract §6): an HTTP request or WebSocket upgrade whose headers are not
 * complete this long after its connection opened is answered 408 and closed. Node keeps
 * them 60 s by default and looks only every 30 s, so 200 dribbling sockets held the
 * server's file descriptors for ~87 s.
 */
export const HEADERS_TIMEOUT_MS = 10_000;
/** A whole HTTP request, body included (matchmaking bodies are at most MAX_MATCHMAKE_BODY_BYTES). */
export const REQUEST_TIMEOUT_MS = 30_000;
/** How often Node checks pending requests against those two: the closing comes at most this late. */
export const CONNECTIONS_CHECK_INTERVAL_MS = 1_000;

/**
 * Outbound bytes the server may hold queued for one WebSocket (its `bufferedAmount`,
 * i.e. beyond what the kernel already took). A client that stops reading — a frozen
 * tab, a hostile bot — would otherwise make the server buffer every patch, action and
 * frames:since answer for it, without bound. Past this it is closed with
 * CloseCodes.SLOW_CONSUMER: at 20 fps a healthy client's queue stays under a few KB.
 */
export const MAX_OUTBOUND_BUFFER_BYTES = 512 * 1024;
/** How often every socket's outbound queue is checked against MAX_OUTBOUND_BUFFER_BYTES. */
export const OUTBOUND_CHECK_INTERVAL_MS = 250;
/**
 * A socket closed for its outbound queue gets this long to take the close frame
 * (it sits behind the queue) before the socket is destroyed and the queue freed.
 */
export const SLOW_CONSUMER_CLOSE_GRACE_MS = 1_000;

/**
 * Concurrent connections one IP may hold that are not (yet) a client of a room:
 * plain HTTP, WebSocket handshakes, sockets waiting to join or never sending a byte.
 * A joined player no longer counts, so many players behind one NAT are fine; a single
 * host opening sockets it never uses is refused past this. Behind a reverse proxy every
 * connection comes from the proxy's IP: raise or disable it there (config
 * MAX_PENDING_CONNECTIONS_PER_IP, 0 = off) and let the proxy limit per client.
 */
export const MAX_PENDING_CONNECTIONS_PER_IP = 64;
/**
 * A matchmaking request's body (JSON join/create options: a token and a few fields).
 * Colyseus reads these bodies whole with no limit of its own; larger → 413, and one
 * without a Content-Length (chunked) → 411, before anything is read.
 */
export const MAX_MATCHMAKE_BODY_BYTES = 16 * 1024;

// --- Matchmaker (contract §4) ---

/** Characters in a party code. */
export const PARTY_CODE_LENGTH = 6;
/** Fresh codes tried when a new party's code is already taken (≈1 in 10^8 per try while under a million parties). */
export const PARTY_CODE_ATTEMPTS = 5;
/**
 * Failed `party:join` attempts a connection may make per window; past that its joins
 * are refused with RATE_LIMITED, so guessing codes takes years, not minutes.
 */
export const PARTY_JOIN_FAILURES_MAX = 10;
export const PARTY_JOIN_FAILURE_WINDOW_MS = 60_000;
/** `modeId`, `region` and `gameRoomName`: letters, digits, `_` and `-` up to this length (they become Redis key parts). */
export const MAX_QUEUE_CRITERION_CHARS = 64;
/** A party member's display name (`user.name`). */
export const MAX_PARTY_NAME_CHARS = 32;
/**
 * Tickets, parties and a user's "busy" marker expire after this long unless the
 * process holding the player refreshes them, so a crashed process leaves no records
 * behind for good. Sooner than that, its players are freed when they ask again and
 * never seated in a match (matchmaking/staleHolders.ts).
 */
export const MATCH_RECORD_TTL_MS = 120_000;
/**
 * A matchmade room sends `match:found` again this often to each seated player who has
 * not joined yet (pub/sub drops a message whose subscriber is away), until the player
 * joins or MATCH_FIRST_JOIN_TIMEOUT_MS ends the wait.
 */
export const MATCH_FOUND_REDELIVER_MS = 2_000;
/** How often a matchmaker room refreshes the records of the players it holds. */
export const MATCH_RECORD_REFRESH_MS = 30_000;
/**
 * How often each matchmaker room looks for pending matches whose claiming process died
 * between taking the players and making the room (matchmaking/orphans.ts): one cheap
 * Redis call when there are none.
 */
export const MATCH_ORPHAN_SWEEP_MS = 2_000;
/** A pending match younger than this is left to its claimer, which makes a room within milliseconds. */
export const MATCH_ORPHAN_AFTER_MS = 2_000;
/** A pending match this old is restored even though its claimer still answers: its createRoom hung. */
export const MATCH_CLAIM_HUNG_MS = 30_000;
/** At most this many orphaned matches are restored per sweep (the rest wait for the next). */
export const MATCH_ORPHAN_BATCH = 50;
