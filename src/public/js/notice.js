/**
 * The notice bar under the header: the one place a player looks for what just went
 * wrong (a refused join, a server `error`) or what is pending (queued for a match).
 * The event log below keeps every detail; this shows the latest thing that matters.
 */
export class Notice {
  constructor(box, text, closeButton) {
    this.box = box;
    this.text = text;
    this.kind = null;
    closeButton.addEventListener("click", () => this.clear());
  }

  /** kind: "error" | "queue" | "ok" | "info". */
  show(kind, message) {
    this.kind = kind;
    this.box.dataset.kind = kind;
    this.text.textContent = message;
    this.box.hidden = false;
  }

  /** Hides the notice, or only a notice of one of `kinds` when given. */
  clear(...kinds) {
    if (kinds.length && !kinds.includes(this.kind)) return;
    this.kind = null;
    this.box.hidden = true;
    this.text.textContent = "";
  }

  get current() {
    return this.kind ? { kind: this.kind, text: this.text.textContent } : null;
  }
}

/** One readable line for an error from the SDK, the server or the page. */
export function describeError(err) {
  const code = err?.code !== undefined && err?.code !== null ? `${err.code}: ` : "";
  return `${code}${err?.message ?? String(err)}`;
}
