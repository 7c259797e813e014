/** Reading a JWT on the page, for display only (the server verifies it). */

/** The claims of a JWT, or null when it is not one. */
export function claimsOf(token) {
  try {
    const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), "=")));
  } catch {
    return null;
  }
}

/** When the token's `exp` falls: its date and time, and how far away that is. */
export function describeExpiry(exp, now = Date.now()) {
  if (typeof exp !== "number") return "never — the server refuses tokens without exp";
  const at = new Date(exp * 1000);
  const when = at.toLocaleString([], { year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit", hour12: false });
  const leftMin = Math.round((exp * 1000 - now) / 60000);
  if (leftMin <= 0) return `${when} (expired: get a new token)`;
  return `${when} (in ${leftMin < 90 ? `${leftMin} min` : `${Math.round(leftMin / 60)} h`})`;
}
