/**
 * Waiting in tests: for a condition, never for a guessed amount of time. Every wait is
 * bounded and fails with a message naming what it waited for, so a broken test says
 * what did not happen instead of running into the runner's global timeout.
 */

export interface WaitOptions {
  /** How long to wait at most, in ms. */
  timeoutMs: number;
  /** What is awaited, as the failure message should name it ("bob back in the room"). */
  what: string;
  /** Polling period in ms (default 20: fast enough for 60 fps rooms, cheap enough on a loaded machine). */
  everyMs?: number;
}

const POLL_MS = 20;

/** Polls `check` until it returns something truthy (then returns it), or fails naming `what`. */
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions): Promise<NonNullable<T>>;
/** @deprecated Use `waitFor(check, { timeoutMs, what })`: kept so branches written against the old helper still run. */
export async function waitFor<T>(check: () => T | Promise<T>, timeoutMs: number, what?: string): Promise<NonNullable<T>>;
export async function waitFor<T>(check: () => T | Promise<T>, options: WaitOptions | number, legacyWhat = "condition"): Promise<NonNullable<T>> {
  const { timeoutMs, what, everyMs = POLL_MS } = typeof options === "number" ? { timeoutMs: options, what: legacyWhat } : options;
  if (!Number.isFinite(timeoutMs)) throw new TypeError(`waitFor(${what}): timeoutMs must be a number of ms`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await pause(everyMs);
  }
}

/** Resolves with `promise`'s value, or fails naming `what` if it has not settled within `timeoutMs`. */
export async function within<T>(promise: Promise<T>, { timeoutMs, what }: Omit<WaitOptions, "everyMs">): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether `promise` settles within `ms`: for the few places that must wait a bounded time
 * for something that should NOT happen (a retry, a second reply), or that give up on a
 * call that can hang (leave() on a connection already gone).
 */
export async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Lets `ms` of time pass. Only for tests that are about time passing (a window that must
 * expire, a rate-limit bucket that must refill, "nothing happens for a while"): every call
 * says why next to it. Anything else waits for its condition with waitFor.
 */
export function elapse(ms: number): Promise<void> {
  return pause(ms);
}

/** @deprecated Wait for a condition with waitFor, or call elapse() where time itself must pass (say why). */
export const sleep = elapse;

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
