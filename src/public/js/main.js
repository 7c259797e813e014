/**
 * The FrameSync demo page: wires the connect form, the arena, the network panel, the
 * logs and the Replays view to a GameSession. Everything runs from this server's own
 * origin: the SDK (/vendor/colyseus.js) and the game rules (/game/rules.js and
 * /game/replay.js, compiled from src/game) — nothing is fetched from anywhere else.
 */
import * as rules from "/game/rules.js";
import { InputController } from "./input.js";
import { ChatLog, EventLog } from "./log.js";
import { drawArena, seatColour } from "./render.js";
import { ReplayView } from "./replay-view.js";
import { queueForMatch } from "./matchmaking.js";
import { Notice, describeError } from "./notice.js";
import { RoomList } from "./rooms.js";
import { GameSession } from "./session.js";
import { clearSeat, loadForm, loadSeat, saveForm, saveSeat } from "./storage.js";
import { claimsOf, describeExpiry } from "./token.js";

const $ = (id) => document.getElementById(id);
const el = {
  endpoint: $("endpoint"), userName: $("user-name"), token: $("token"), tokenInfo: $("token-info"),
  demoUser: $("demo-user"), roomName: $("room-name"), joinOptions: $("join-options"),
  optLockstep: $("opt-lockstep"), optRecord: $("opt-record"), roomId: $("room-id"),
  playersPerMatch: $("players-per-match"), matchInfo: $("match-info"),
  btnToken: $("btn-token"), btnJoinOrCreate: $("btn-join-or-create"), btnCreate: $("btn-create"),
  btnJoinId: $("btn-join-id"), btnFind: $("btn-find"), btnCancelFind: $("btn-cancel-find"),
  netState: $("net-state"), netRtt: $("net-rtt"), netBytes: $("net-bytes"), netRoom: $("net-room"),
  netSession: $("net-session"), netSeat: $("net-seat"), autoReconnect: $("auto-reconnect"),
  btnDrop: $("btn-drop"), btnReconnect: $("btn-reconnect"), btnLeave: $("btn-leave"),
  statusDot: $("status-dot"), statusText: $("status-text"),
  hudFrame: $("hud-frame"), hudFps: $("hud-fps"), hudMode: $("hud-mode"), hudExtra: $("hud-extra"),
  canvas: $("arena"), playerList: $("player-list"), playControls: $("play-controls"),
  replayControls: $("replay-controls"), btnReplayPlay: $("btn-replay-play"), replaySpeed: $("replay-speed"),
  replayScrub: $("replay-scrub"), replayFrame: $("replay-frame"), replayVerdict: $("replay-verdict"),
  tabPlay: $("tab-play"), tabReplays: $("tab-replays"), playSide: $("play-side"), replaysSide: $("replays-side"),
  replayList: $("replay-list"), replaysInfo: $("replays-info"), btnReplaysRefresh: $("btn-replays-refresh"),
  eventLog: $("event-log"), chatLog: $("chat-log"), chatForm: $("chat-form"), chatInput: $("chat-input"), btnChat: $("btn-chat"),
  roomList: $("room-list"), roomsInfo: $("rooms-info"),
};
const notice = new Notice($("notice"), $("notice-text"), $("btn-notice-close"));

const log = new EventLog(el.eventLog);
const chat = new ChatLog(el.chatLog);
const input = new InputController();
input.attach(el.playControls);

const session = new GameSession({
  rules,
  input,
  onEvent: (type, payload, level) => {
    log.add(type, payload, level);
    if (type === "error" && level === "error") notice.show("error", describeError(payload));
  },
  onChat: ({ sessionId, message, self }) => chat.add({ who: self ? "you" : nameOf(sessionId), message, self }),
  onChange: () => refreshPanels(),
  onSeat: (record) => {
    const userId = effectiveUserId();
    if (record) saveSeat(userId, { ...record, endpoint: el.endpoint.value });
    else clearSeat(userId);
  },
});

let view = "play";
let matchmaker = null;

// --- identity and options ---

function defaultEndpoint() {
  return `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}`;
}

function httpBase() {
  try {
    const url = new URL(el.endpoint.value || defaultEndpoint());
    url.protocol = url.protocol === "wss:" ? "https:" : "http:";
    return url.origin;
  } catch {
    return location.origin;
  }
}

function effectiveUserId() {
  const demo = el.demoUser.value.trim();
  if (demo) return demo;
  const claims = claimsOf(el.token.value.trim());
  return claims?.userId ?? claims?.sub ?? el.userName.value.trim();
}

function showTokenInfo() {
  const claims = claimsOf(el.token.value.trim());
  if (!el.token.value.trim()) el.tokenInfo.textContent = "";
  else if (!claims) el.tokenInfo.textContent = "This does not look like a JWT.";
  else {
    const demo = el.demoUser.value.trim();
    el.tokenInfo.textContent = `Token for “${claims.userId ?? claims.sub ?? "?"}”, expires ${describeExpiry(claims.exp)}.${demo ? ` Playing as “${demo}” (demoUserId).` : ""}`;
  }
}

async function fetchDevToken() {
  const userId = el.userName.value.trim();
  if (!userId) throw new Error("enter a name first");
  const res = await fetch(`${httpBase()}/auth/dev-token`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ userId }),
  });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.error ?? `dev token refused (${res.status}; production servers have none)`);
  el.token.value = body.token;
  showTokenInfo();
  log.add("token", { userId: body.userId, expiresIn: body.expiresIn }, "ok");
  return body.token;
}

/** The token to join with: the field, or a fresh dev token for the name. */
async function credentials() {
  let token = el.token.value.trim();
  if (!token) token = await fetchDevToken();
  const creds = { endpoint: el.endpoint.value.trim() || defaultEndpoint(), token, demoUserId: el.demoUser.value.trim() };
  persistForm();
  return creds;
}

function joinOptionsFromForm({ createToggles }) {
  let options;
  try {
    options = JSON.parse(el.joinOptions.value.trim() || "{}");
  } catch (err) {
    throw new Error(`join options are not valid JSON: ${err.message}`);
  }
  if (!options || typeof options !== "object" || Array.isArray(options)) throw new Error("join options must be a JSON object");
  if (options.token) {
    // The seed's {"fps":20,"token":"…"} form: a token in the JSON is used as the token.
    el.token.value = String(options.token);
    delete options.token;
  }
  if (createToggles && el.optLockstep.checked) options.lockstep = true;
  if (createToggles && el.optRecord.checked) options.recordFrames = true;
  return options;
}

function persistForm() {
  saveForm({
    endpoint: el.endpoint.value, userName: el.userName.value, token: el.token.value, demoUserId: el.demoUser.value,
    roomName: el.roomName.value, joinOptions: el.joinOptions.value, lockstep: el.optLockstep.checked,
    recordFrames: el.optRecord.checked, playersPerMatch: el.playersPerMatch.value, autoReconnect: el.autoReconnect.checked,
  });
}

function restoreForm() {
  const f = loadForm() ?? {};
  el.endpoint.value = f.endpoint || defaultEndpoint();
  el.userName.value = f.userName ?? "";
  el.token.value = f.token ?? "";
  el.demoUser.value = f.demoUserId ?? "";
  el.roomName.value = f.roomName || "game_room";
  if (f.joinOptions) el.joinOptions.value = f.joinOptions;
  el.optLockstep.checked = Boolean(f.lockstep);
  el.optRecord.checked = Boolean(f.recordFrames);
  if (f.playersPerMatch) el.playersPerMatch.value = f.playersPerMatch;
  if (f.autoReconnect === false) el.autoReconnect.checked = false;
  session.setAutoReconnect(el.autoReconnect.checked);
  showTokenInfo();
}

// --- actions ---

/** Shows a failure where the eye is (the notice bar) and in the log. */
function reportError(err) {
  log.add("error", { code: err.code, message: err.message }, "error");
  notice.show("error", describeError(err));
}

/** Runs a button's action, showing failures in the notice bar and the log rather than as uncaught errors. */
function action(button, fn) {
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await fn();
    } catch (err) {
      reportError(err);
    } finally {
      button.disabled = false; // refreshPanels decides for the buttons that depend on the connection
      refreshPanels();
    }
  });
}

async function joinRoom(method) {
  const options = joinOptionsFromForm({ createToggles: method !== "joinById" });
  const creds = await credentials();
  const target = method === "joinById" ? el.roomId.value.trim() : el.roomName.value.trim() || "game_room";
  if (!target) throw new Error("enter a room id");
  log.add(method, { target, options: { ...options, token: "…", ...(creds.demoUserId ? { demoUserId: creds.demoUserId } : {}) } });
  await session.join(method, target, { ...creds, options });
  el.roomId.value = session.info.roomId;
}

action(el.btnToken, fetchDevToken);
action(el.btnJoinOrCreate, () => joinRoom("joinOrCreate"));
action(el.btnCreate, () => joinRoom("create"));
action(el.btnJoinId, () => joinRoom("joinById"));
action(el.btnFind, findMatch);
action(el.btnCancelFind, async () => matchmaker?.send("match:cancel"));
action(el.btnDrop, async () => session.drop());
action(el.btnReconnect, async () => {
  const userId = effectiveUserId();
  try {
    await session.reconnect(loadSeat(userId), await credentials());
  } catch (err) {
    if (seatGone(err)) clearSeat(userId); // its window expired: Reconnect has nothing left to take back
    throw err;
  }
});
action(el.btnLeave, () => session.leave());
el.autoReconnect.addEventListener("change", () => {
  session.setAutoReconnect(el.autoReconnect.checked);
  persistForm();
});
// Who the player is decides which saved seat Reconnect would take back (a new tab starts
// with an empty form, and typing the name is how its seat is found again).
const identityChanged = () => {
  showTokenInfo();
  refreshPanels();
};
el.token.addEventListener("input", identityChanged);
el.demoUser.addEventListener("input", identityChanged);
el.userName.addEventListener("input", refreshPanels);
el.userName.addEventListener("change", () => {
  // A new name means a new player: its token is fetched on the next join.
  if (claimsOf(el.token.value)?.userId !== el.userName.value.trim()) el.token.value = "";
  identityChanged();
});

el.chatForm.addEventListener("submit", (e) => {
  e.preventDefault();
  if (session.sendChat(el.chatInput.value)) el.chatInput.value = "";
});

/** Find match (contract §4): queue in matchmaker_room, then joinById on match:found. */
async function findMatch() {
  const creds = await credentials();
  matchmaker = await queueForMatch({
    creds,
    playersPerMatch: Number(el.playersPerMatch.value),
    recordFrames: el.optRecord.checked,
    log,
    notice,
    info: el.matchInfo,
    join: async (found) => {
      await session.join("joinById", found.roomId, { ...creds, options: found.joinOptions });
      el.roomId.value = found.roomId;
    },
    reportError,
    done: (mm) => {
      if (matchmaker === mm) matchmaker = null;
      refreshPanels();
    },
  });
  refreshPanels();
}

// --- reload: take the seat back (reconnection path 2) ---

/**
 * A 403 on a reclaim means the seat is gone (its reconnect window expired, the player was
 * removed) — unless another connection reclaimed it an instant ago, which a retry outlives.
 */
const seatGone = (err) => err.code === 403 && !/just reclaimed/.test(err.message ?? "");

async function resumeSavedSeat() {
  const userId = effectiveUserId();
  const seat = loadSeat(userId);
  if (!seat || (!el.token.value.trim() && !el.userName.value.trim())) return;
  log.add("resume", { userId, roomId: seat.roomId, note: "saved seat found after reload" }, "warn");
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      await session.reclaim(seat, await credentials());
      el.roomId.value = seat.roomId;
      return;
    } catch (err) {
      log.add("error", { code: err.code, message: `reclaim failed: ${err.message}` }, "error");
      if (err.code === 404) return clearSeat(userId); // the room is gone
      if (seatGone(err)) return joinFresh(userId, seat);
      if (err.code === 401 && el.userName.value.trim()) el.token.value = ""; // expired token: fetch a new one
      else if (err.code !== 403) return reportError(err);
      await new Promise((r) => setTimeout(r, 1500));
    }
  }
  clearSeat(userId);
}

/** The saved seat is gone for good: forget it and join its room as a new player. */
async function joinFresh(userId, seat) {
  clearSeat(userId);
  log.add("resume", { roomId: seat.roomId, note: "the saved seat expired: joining as a new player" }, "warn");
  try {
    await session.join("joinById", seat.roomId, { ...(await credentials()), options: {} });
    el.roomId.value = seat.roomId;
  } catch (err) {
    reportError(err);
  }
}

// --- panels ---

const fmtBytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(2)} MB`);

function nameOf(sessionId) {
  return session.room?.state?.players?.get(sessionId)?.userId ?? sessionId;
}

let lastStatus = "idle";
function refreshPanels() {
  const s = session.status;
  const i = session.info;
  // A join that worked answers the error and the "joining" notice shown before it.
  if (s === "connected" && lastStatus !== "connected") notice.clear("error", "ok", "info");
  if (s !== lastStatus) roomList.render();
  lastStatus = s;
  const inRoom = s === "connected";
  el.statusDot.dataset.state = s;
  el.statusText.textContent = {
    idle: "not connected", connecting: "connecting…", connected: `in ${i.roomName || "room"} ${i.roomId}`,
    reconnecting: "reconnecting…", dropped: "connection dropped", closed: "left the room",
  }[s] ?? s;
  el.netState.textContent = s;
  el.netRtt.textContent = inRoom && session.rtt !== null ? `${session.rtt} ms` : "–";
  el.netRoom.textContent = i.roomId || "–";
  el.netSession.textContent = i.sessionId || "–";
  el.netSeat.textContent = i.roomId ? `seat ${i.seatIndex} · match ${i.matchId || "–"}` : "–";
  el.btnDrop.disabled = !inRoom;
  el.btnLeave.disabled = !session.room || s === "closed";
  el.btnReconnect.disabled = !(s === "dropped" || ((s === "idle" || s === "closed") && loadSeat(effectiveUserId())));
  el.chatInput.disabled = el.btnChat.disabled = !inRoom;
  el.btnFind.disabled = Boolean(matchmaker) || s === "connecting";
  el.btnCancelFind.hidden = !matchmaker;
  el.btnCancelFind.disabled = !matchmaker;
  for (const b of [el.btnJoinOrCreate, el.btnCreate, el.btnJoinId]) b.disabled = s === "connecting";
  el.btnToken.disabled = false;
  document.body.classList.toggle("in-room", Boolean(session.room) && s !== "closed");
}

function refreshStats() {
  const net = window.FrameSyncNetStats();
  el.netBytes.textContent = `${fmtBytes(net.bytesIn)} / ${fmtBytes(net.bytesOut)}`;
  el.netRtt.textContent = session.connected && session.rtt !== null ? `${session.rtt} ms` : "–";
  const players = currentPlayers();
  el.playerList.replaceChildren(
    ...players.map((p) => {
      const li = document.createElement("li");
      li.className = `${p.self ? "self" : ""} ${p.online ? "" : "offline"}`.trim();
      const sw = Object.assign(document.createElement("span"), { className: "swatch" });
      sw.style.background = seatColour(p.seatIndex);
      li.append(sw, `${p.label}${p.self ? " (you)" : ""} · seat ${p.seatIndex} · (${Math.round(p.x)}, ${Math.round(p.y)})${p.online ? "" : ` · ${p.note ?? "offline"}`}`);
      return li;
    }),
  );
  el.canvas.setAttribute("aria-label", `Arena with ${players.length} player${players.length === 1 ? "" : "s"}. Arrow keys or WASD move, space jumps, J attacks.`);
}

// --- what the arena shows ---

/** Own player while the connection is down: shown as offline, whatever the last state said. */
function markSelfAway(players) {
  const away = session.status === "dropped" || session.status === "reconnecting";
  if (!away) return players;
  return players.map((p) => (p.self ? { ...p, online: false, note: session.status } : p));
}

function currentPlayers() {
  if (view === "replays") {
    const replay = replayView.player;
    if (!replay) return [];
    const present = replay.players().map((p) => ({ id: p.sessionId, label: p.userId, seatIndex: p.seatIndex, x: p.x, y: p.y, online: true, attacking: p.attacking, self: false }));
    if (!replay.atEnd) return present;
    const departed = [...replay.roster.departed.values()].map((p) => ({ id: p.sessionId, label: p.userId, note: "left", seatIndex: p.seatIndex, x: p.x, y: p.y, online: false, attacking: false, self: false }));
    return present.concat(departed);
  }
  const schema = new Map(session.schemaPlayers().map((p) => [p.sessionId, p]));
  const self = session.info.sessionId;
  if (session.info.lockstep && session.lockstep.seeded) {
    // Lockstep: positions and membership from lockstepFrame alone; names from state.
    return markSelfAway(session.lockstep.snapshot().map((p) => ({
      id: p.sessionId, label: schema.get(p.sessionId)?.userId ?? `seat ${p.seatIndex}`, seatIndex: p.seatIndex,
      x: p.x, y: p.y, attacking: p.attacking, online: schema.get(p.sessionId)?.online ?? true, self: p.sessionId === self,
    })));
  }
  return markSelfAway([...schema.values()].map((p) => ({ id: p.sessionId, label: p.userId, seatIndex: p.seatIndex, x: p.x, y: p.y, online: p.online, attacking: p.attacking, self: p.sessionId === self })));
}

function banner() {
  if (view === "replays") return replayView.player ? "" : "Pick a replay from the list";
  return { idle: "Join a room to play", connecting: "Connecting…", reconnecting: "Reconnecting…", dropped: "Connection dropped — press Reconnect", closed: "Not in a room" }[session.status] ?? "";
}

const ctx = el.canvas.getContext("2d");
let lastTime = performance.now();
function frame(now) {
  const dt = Math.min(now - lastTime, 250);
  lastTime = now;
  if (view === "replays") replayView.advance(dt);
  const jumps = view === "replays" ? replayView.player?.jumps : session.jumps;
  // Labels keep a readable size when the canvas is shrunk to a phone's width.
  const scale = el.canvas.clientWidth / el.canvas.width || 1;
  drawArena(ctx, currentPlayers(), { jumps, banner: banner(), now, textScale: 1 / Math.min(1, Math.max(scale, 0.5)) });
  updateHud();
  requestAnimationFrame(frame);
}

function updateHud() {
  if (view === "replays") {
    const replay = replayView.player;
    el.hudFrame.textContent = replay ? String(replay.currentFrame()) : "–";
    el.hudFps.textContent = replay ? String(replay.replay.fps) : "–";
    el.hudMode.textContent = "replay";
    el.hudExtra.textContent = replay ? `speed ${replay.speed}×` : "";
    return;
  }
  const lockstep = session.info.lockstep;
  const stateFrame = session.room?.state?.frame;
  el.hudFrame.textContent = lockstep && session.lockstep.seeded ? String(session.lockstep.lastFrame) : stateFrame ?? "–";
  el.hudFps.textContent = session.info.fps ? String(session.info.fps) : "–";
  el.hudMode.textContent = session.room ? (lockstep ? "lockstep" : "state sync") : "–";
  const st = session.lockstep.stats;
  el.hudExtra.textContent = lockstep ? `lockstepFrame ×${session.counters.lockstepFramesReceived} · catch-ups ${st.catchUps}` : "";
}

// --- views: Play / Replays ---

function setView(next) {
  view = next;
  const replays = next === "replays";
  el.tabPlay.setAttribute("aria-selected", String(!replays));
  el.tabReplays.setAttribute("aria-selected", String(replays));
  el.tabPlay.tabIndex = replays ? -1 : 0;
  el.tabReplays.tabIndex = replays ? 0 : -1;
  el.playSide.hidden = replays;
  el.replaysSide.hidden = !replays;
  el.playControls.hidden = replays;
  el.replayControls.hidden = !replays;
  if (replays) void replayView.refreshList();
}

el.tabPlay.addEventListener("click", () => setView("play"));
el.tabReplays.addEventListener("click", () => setView("replays"));
for (const tab of [el.tabPlay, el.tabReplays]) {
  tab.addEventListener("keydown", (e) => {
    if (e.key !== "ArrowLeft" && e.key !== "ArrowRight") return;
    const other = tab === el.tabPlay ? el.tabReplays : el.tabPlay;
    other.focus();
    other.click();
  });
}

const replayView = new ReplayView({ el, log, rules, httpBase, action });
const roomList = new RoomList({
  list: el.roomList,
  info: el.roomsInfo,
  httpBase,
  currentRoomId: () => (session.connected ? session.info.roomId : ""),
  onJoin: (roomId) => {
    el.roomId.value = roomId;
    el.btnJoinId.click();
  },
});

// --- a read-only handle for tests and the console ---

window.__demo = Object.freeze({
  /** The page's view of the game right now, as plain data. */
  snapshot() {
    const i = session.info;
    const replay = replayView.player;
    const selfUserId = session.selfPlayer()?.userId;
    return JSON.parse(JSON.stringify({
      status: session.status, view, roomId: i.roomId, roomName: i.roomName, sessionId: i.sessionId, userId: selfUserId ?? effectiveUserId(),
      seatIndex: i.seatIndex, matchId: i.matchId, fps: i.fps, lockstep: i.lockstep, frame: session.room?.state?.frame ?? null,
      rtt: session.rtt, players: session.schemaPlayers(), lockstepPlayers: session.lockstep.snapshot(),
      lockstepFrame: session.lockstep.lastFrame, lockstepStats: session.lockstep.stats, counters: session.counters,
      rendered: currentPlayers(), net: window.FrameSyncNetStats(),
      replay: replayView.player && { roomId: replay.replay.roomId, position: replay.position, length: replay.length, playing: replay.playing, frame: replay.currentFrame(), players: replay.players(), matchesFinal: replay.check.ok },
    }));
  },
  events: (type) => log.events(type),
  notice: () => notice.current,
  rooms: () => JSON.parse(JSON.stringify(roomList.rooms)),
  chat: () => JSON.parse(JSON.stringify(chat.entries)),
});

restoreForm();
refreshPanels();
roomList.start();
setInterval(refreshStats, 250);
requestAnimationFrame(frame);
void resumeSavedSeat().finally(refreshPanels);
