/**
 * Draws the arena (800×500, player centres clamped to x∈[15,785], y∈[15,485]) and the
 * players handed to it. Pure drawing: which players, from which source (Schema state,
 * the lockstep copy or a replay) is the caller's business.
 */
export const WIDTH = 800;
export const HEIGHT = 500;
const RADIUS = 15;
const JUMP_MS = 350;
export const SEAT_COLOURS = ["#5cc8ff", "#ff9f5c", "#b48cff", "#7ee787", "#ff6bb5", "#ffd866", "#4fd1c5", "#f78c6c"];

export function seatColour(seatIndex) {
  return seatIndex >= 0 ? SEAT_COLOURS[seatIndex % SEAT_COLOURS.length] : "#8b95ad";
}

function drawBackground(ctx) {
  ctx.fillStyle = "#0b1018";
  ctx.fillRect(0, 0, WIDTH, HEIGHT);
  ctx.strokeStyle = "rgba(255,255,255,0.05)";
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let x = 50; x < WIDTH; x += 50) {
    ctx.moveTo(x + 0.5, 0);
    ctx.lineTo(x + 0.5, HEIGHT);
  }
  for (let y = 50; y < HEIGHT; y += 50) {
    ctx.moveTo(0, y + 0.5);
    ctx.lineTo(WIDTH, y + 0.5);
  }
  ctx.stroke();
  ctx.strokeStyle = "#2c3857";
  ctx.lineWidth = 2;
  ctx.strokeRect(1, 1, WIDTH - 2, HEIGHT - 2);
}

/**
 * @param {CanvasRenderingContext2D} ctx
 * @param {Array<{id:string,label:string,seatIndex:number,x:number,y:number,online:boolean,attacking:boolean,self:boolean,note?:string}>} players
 * @param {{ jumps?: Map<string, number>, banner?: string, now?: number }} opts
 */
export function drawArena(ctx, players, opts = {}) {
  const now = opts.now ?? performance.now();
  drawBackground(ctx);
  // Own player last, so it is never hidden under another.
  const ordered = [...players].sort((a, b) => Number(a.self) - Number(b.self));
  const textScale = opts.textScale ?? 1;
  for (const p of ordered) drawPlayer(ctx, p, opts.jumps?.get(p.id), now, textScale);
  if (opts.banner) {
    ctx.fillStyle = "rgba(15,20,32,0.75)";
    ctx.fillRect(0, HEIGHT / 2 - 28 * textScale, WIDTH, 56 * textScale);
    ctx.fillStyle = "#e6ebf5";
    let size = Math.round(20 * textScale);
    ctx.font = `600 ${size}px system-ui, sans-serif`;
    const fits = (WIDTH - 40) / ctx.measureText(opts.banner).width;
    if (fits < 1) {
      size = Math.floor(size * fits);
      ctx.font = `600 ${size}px system-ui, sans-serif`;
    }
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    ctx.fillText(opts.banner, WIDTH / 2, HEIGHT / 2);
  }
}

function drawPlayer(ctx, p, jumpAt, now, textScale) {
  const colour = p.online ? seatColour(p.seatIndex) : "#59627a";
  // A jump lifts the player for a moment (drawn only; the rules have no height).
  const t = jumpAt !== undefined ? (now - jumpAt) / JUMP_MS : 1;
  const lift = t >= 0 && t < 1 ? Math.sin(Math.PI * t) * 14 : 0;
  const x = p.x;
  const y = p.y - lift;

  if (lift > 0) {
    ctx.fillStyle = "rgba(0,0,0,0.35)";
    ctx.beginPath();
    ctx.ellipse(p.x, p.y + RADIUS - 2, RADIUS * 0.9, 4, 0, 0, Math.PI * 2);
    ctx.fill();
  }

  if (p.attacking && p.online) {
    ctx.strokeStyle = "#ff6b6b";
    ctx.lineWidth = 3;
    ctx.beginPath();
    for (let i = 0; i < 8; i++) {
      const a = (i / 8) * Math.PI * 2 + now / 300;
      ctx.moveTo(x + Math.cos(a) * (RADIUS + 3), y + Math.sin(a) * (RADIUS + 3));
      ctx.lineTo(x + Math.cos(a) * (RADIUS + 10), y + Math.sin(a) * (RADIUS + 10));
    }
    ctx.stroke();
  }

  ctx.fillStyle = colour;
  ctx.globalAlpha = p.online ? 1 : 0.6;
  ctx.beginPath();
  ctx.arc(x, y, RADIUS, 0, Math.PI * 2);
  ctx.fill();
  ctx.globalAlpha = 1;

  if (p.self) {
    ctx.strokeStyle = "#ffffff";
    ctx.lineWidth = 3;
    ctx.beginPath();
    ctx.arc(x, y, RADIUS + 4, 0, Math.PI * 2);
    ctx.stroke();
  }
  if (!p.online) {
    ctx.setLineDash([4, 4]);
    ctx.strokeStyle = "#9aa6c2";
    ctx.lineWidth = 2;
    ctx.beginPath();
    ctx.arc(x, y, RADIUS + 4, 0, Math.PI * 2);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  const size = Math.round(12 * textScale);
  ctx.font = `600 ${size}px system-ui, sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "bottom";
  const label = p.self ? `${p.label} (you)` : p.label;
  const text = p.online ? label : `${label} · ${p.note ?? "offline"}`;
  let ty = y - RADIUS - 7;
  if (ty < size + 5) ty = y + RADIUS + size + 10; // no room above: label below
  const w = ctx.measureText(text).width + 8;
  const tx = Math.min(Math.max(x, w / 2 + 2), WIDTH - w / 2 - 2);
  ctx.fillStyle = "rgba(11,16,24,0.7)";
  ctx.fillRect(tx - w / 2, ty - size - 3, w, size + 4);
  ctx.fillStyle = p.online ? "#e6ebf5" : "#9aa6c2";
  ctx.fillText(text, tx, ty);
}
