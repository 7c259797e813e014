/**
 * What the page remembers.
 * - Per tab (sessionStorage): the connect form, so a reload comes back as the same player.
 * - Per user (localStorage): the seat to reclaim — roomId, matchId, reconnectKey — so a
 *   reload gets the seat back with joinById (contract §3 reconnection path 2). Keyed by
 *   userId, so two tabs playing two users keep two seats.
 */
const FORM_KEY = "framesync.demo.form";
const SEATS_KEY = "framesync.demo.seats";
/** Seats older than this are forgotten: the server's reconnect window is far shorter. */
const SEAT_MAX_AGE_MS = 24 * 60 * 60 * 1000;
const MAX_SEATS = 20;

function read(storage, key, fallback) {
  try {
    const raw = storage.getItem(key);
    return raw ? JSON.parse(raw) : fallback;
  } catch {
    return fallback;
  }
}

function write(storage, key, value) {
  try {
    storage.setItem(key, JSON.stringify(value));
  } catch {
    // Storage full or disabled (private mode): the page works, a reload just forgets.
  }
}

export function loadForm() {
  return read(sessionStorage, FORM_KEY, null);
}

export function saveForm(form) {
  write(sessionStorage, FORM_KEY, form);
}

function loadSeats() {
  const seats = read(localStorage, SEATS_KEY, {});
  return seats && typeof seats === "object" ? seats : {};
}

export function loadSeat(userId) {
  if (!userId) return null;
  const seat = loadSeats()[userId];
  if (!seat || typeof seat.roomId !== "string" || Date.now() - (seat.savedAt ?? 0) > SEAT_MAX_AGE_MS) return null;
  return seat;
}

export function saveSeat(userId, seat) {
  if (!userId) return;
  const seats = loadSeats();
  seats[userId] = { ...seat, userId, savedAt: Date.now() };
  const newestFirst = Object.entries(seats).sort((a, b) => (b[1].savedAt ?? 0) - (a[1].savedAt ?? 0));
  write(localStorage, SEATS_KEY, Object.fromEntries(newestFirst.slice(0, MAX_SEATS)));
}

export function clearSeat(userId) {
  const seats = loadSeats();
  if (!(userId in seats)) return;
  delete seats[userId];
  write(localStorage, SEATS_KEY, seats);
}
