/**
 * Keyboard (arrows / WASD, space = jump, J = attack) and the on-screen pad, folded into
 * one intent the session samples once per input tick. Jump is a one-shot: a press is
 * kept until the next sample even if the key is already up again.
 */
const KEY_DIRS = {
  ArrowUp: "up", KeyW: "up",
  ArrowDown: "down", KeyS: "down",
  ArrowLeft: "left", KeyA: "left",
  ArrowRight: "right", KeyD: "right",
};

/** Typing in a form field must not move the player. */
function isTypingTarget(target) {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && !["checkbox", "radio", "range", "button"].includes(target.type);
}

export class InputController {
  constructor() {
    this.keyDirs = new Set();
    this.padDirs = new Set();
    this.keyAttack = false;
    this.padAttack = false;
    this.jumpPending = false;
  }

  /** Listens on the window for keys and on `padRoot` for the pad buttons. */
  attach(padRoot) {
    window.addEventListener("keydown", (e) => this.onKey(e, true));
    window.addEventListener("keyup", (e) => this.onKey(e, false));
    window.addEventListener("blur", () => this.releaseAll());

    for (const button of padRoot.querySelectorAll("[data-dir], [data-action]")) {
      const dir = button.dataset.dir;
      const action = button.dataset.action;
      const press = (down) => {
        if (dir) down ? this.padDirs.add(dir) : this.padDirs.delete(dir);
        if (action === "attack") this.padAttack = down;
        if (action === "jump" && down) this.jumpPending = true;
        button.classList.toggle("held", down);
      };
      button.addEventListener("pointerdown", (e) => {
        e.preventDefault();
        button.setPointerCapture?.(e.pointerId);
        press(true);
      });
      for (const type of ["pointerup", "pointercancel", "lostpointercapture"]) button.addEventListener(type, () => press(false));
      // Keyboard users reach the pad with Tab: Enter/Space on a pad button is a short press.
      button.addEventListener("click", (e) => {
        if (e.detail !== 0) return; // a pointer click was already handled by pointerdown/up
        press(true);
        setTimeout(() => press(false), 150);
      });
    }
  }

  onKey(e, down) {
    if (isTypingTarget(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
    // Space on a focused button presses that button, it is not a jump.
    if (e.code === "Space" && e.target instanceof HTMLButtonElement) return;
    const dir = KEY_DIRS[e.code];
    if (dir) {
      down ? this.keyDirs.add(dir) : this.keyDirs.delete(dir);
    } else if (e.code === "Space") {
      if (down && !e.repeat) this.jumpPending = true;
    } else if (e.code === "KeyJ") {
      this.keyAttack = down;
    } else {
      return;
    }
    e.preventDefault(); // arrows and space would scroll the page
  }

  releaseAll() {
    this.keyDirs.clear();
    this.padDirs.clear();
    this.keyAttack = false;
    this.padAttack = false;
  }

  /** The intent for this tick; consumes a pending jump. */
  sample() {
    const dirs = new Set([...this.keyDirs, ...this.padDirs]);
    const x = (dirs.has("right") ? 1 : 0) - (dirs.has("left") ? 1 : 0);
    const y = (dirs.has("down") ? 1 : 0) - (dirs.has("up") ? 1 : 0);
    const jump = this.jumpPending;
    this.jumpPending = false;
    return { move: { x, y }, attack: this.keyAttack || this.padAttack, jump };
  }
}
