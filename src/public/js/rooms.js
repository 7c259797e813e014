/**
 * The open-rooms list: `GET /rooms` (the public game rooms of the whole cluster), each
 * with a Join button that joins it by id. Refreshed while the page is visible.
 */
const REFRESH_MS = 3000;

function age(createdAt) {
  const s = Math.max(0, Math.round((Date.now() - createdAt) / 1000));
  return s < 60 ? `${s} s` : s < 3600 ? `${Math.round(s / 60)} min` : `${Math.round(s / 3600)} h`;
}

export class RoomList {
  /** @param {{ list: HTMLElement, info: HTMLElement, httpBase(): string, currentRoomId(): string, onJoin(roomId: string): void }} opts */
  constructor(opts) {
    this.opts = opts;
    this.rooms = [];
    this.timer = 0;
  }

  start() {
    void this.refresh();
    this.timer = setInterval(() => {
      if (!document.hidden) void this.refresh();
    }, REFRESH_MS);
  }

  async refresh() {
    try {
      const res = await fetch(`${this.opts.httpBase()}/rooms`, { cache: "no-store" });
      if (!res.ok) throw new Error(`GET /rooms answered ${res.status}`);
      this.rooms = await res.json();
      this.render();
    } catch (err) {
      this.opts.info.textContent = `Room list unavailable: ${err.message}`;
    }
  }

  render() {
    const current = this.opts.currentRoomId();
    this.opts.info.textContent = this.rooms.length ? "" : "No open rooms. Create one, or Join or create.";
    this.opts.list.replaceChildren(
      ...this.rooms.map((r) => {
        const li = document.createElement("li");
        const here = r.roomId === current;
        if (here) li.className = "current";
        const meta = Object.assign(document.createElement("span"), { className: "meta" });
        const mode = r.lockstep ? " · lockstep" : "";
        meta.append(
          Object.assign(document.createElement("span"), { className: "mono", textContent: r.roomId }),
          ` · ${r.clients}/${r.maxPlayers} players · ${r.fps} fps${mode} · ${age(r.createdAt)}`,
        );
        const join = Object.assign(document.createElement("button"), { type: "button", textContent: here ? "Here" : "Join" });
        join.setAttribute("aria-label", here ? `You are in room ${r.roomId}` : `Join room ${r.roomId}`);
        join.disabled = here;
        join.addEventListener("click", () => this.opts.onJoin(r.roomId));
        li.append(meta, join);
        return li;
      }),
    );
  }
}
