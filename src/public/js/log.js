/**
 * The event log and the chat list. Repeats of the same event (a player's `move` every
 * frame while a key is held) fold into one line with a counter, so the log stays
 * readable; the raw events are kept separately, bounded, for the debug handle.
 */
const MAX_LINES = 200;
const MAX_RAW_EVENTS = 2000;

const clock = () => new Date().toLocaleTimeString([], { hour12: false });

function summarize(payload) {
  if (payload === undefined) return "";
  try {
    const text = JSON.stringify(payload);
    return text.length > 160 ? `${text.slice(0, 157)}…` : text;
  } catch {
    return String(payload);
  }
}

/** What makes two events "the same" for folding. */
function foldKey(type, payload) {
  if (type === "playerAction") return `${type}|${payload?.sessionId}|${payload?.action}`;
  return null;
}

export class EventLog {
  constructor(list) {
    this.list = list;
    this.raw = [];
    this.last = null;
  }

  add(type, payload, level) {
    this.raw.push({ type, payload, level: level ?? "info", at: Date.now() });
    if (this.raw.length > MAX_RAW_EVENTS) this.raw.splice(0, this.raw.length - MAX_RAW_EVENTS);

    const key = foldKey(type, payload);
    if (key && this.last?.key === key) {
      this.last.count++;
      this.last.time.textContent = clock();
      this.last.body.textContent = summarize(payload);
      this.last.counter.textContent = `×${this.last.count}`;
      return;
    }
    const li = document.createElement("li");
    if (level) li.className = level;
    const time = Object.assign(document.createElement("span"), { className: "t", textContent: clock() });
    const kind = Object.assign(document.createElement("span"), { className: "k", textContent: type });
    const body = Object.assign(document.createElement("span"), { textContent: summarize(payload) });
    const counter = Object.assign(document.createElement("span"), { className: "n" });
    li.append(time, kind, body, counter);
    this.append(li);
    this.last = { key, count: 1, time, body, counter };
  }

  append(li) {
    const stick = this.list.scrollTop + this.list.clientHeight >= this.list.scrollHeight - 4;
    this.list.append(li);
    while (this.list.children.length > MAX_LINES) this.list.firstElementChild.remove();
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  /** Copies of the raw events, optionally of one type (for tests and the console). */
  events(type) {
    const picked = type ? this.raw.filter((e) => e.type === type) : this.raw;
    return JSON.parse(JSON.stringify(picked));
  }
}

export class ChatLog {
  constructor(list) {
    this.list = list;
    this.entries = [];
  }

  add({ who, message, self }) {
    this.entries.push({ who, message, self, at: Date.now() });
    if (this.entries.length > MAX_LINES) this.entries.shift();
    const li = document.createElement("li");
    if (self) li.className = "self";
    li.append(Object.assign(document.createElement("span"), { className: "who", textContent: who }), document.createTextNode(message));
    this.list.append(li);
    while (this.list.children.length > MAX_LINES) this.list.firstElementChild.remove();
    this.list.scrollTop = this.list.scrollHeight;
  }
}
