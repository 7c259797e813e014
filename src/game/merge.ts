/**
 * Merging the inputs one client sent within one tick (contract §3 "Per tick"), as pure
 * functions. The latest value of each key wins, except that a `true` that arrived
 * within the tick stays `true` for that frame: a one-shot press such as `jump`
 * pressed and released between two ticks is never lost.
 */

export type Inputs = Record<string, unknown>;

export function mergeInputs(pending: Inputs | undefined, next: Inputs): Inputs {
  if (!pending) return { ...next };
  const merged: Inputs = { ...pending };
  for (const key of Object.keys(next)) {
    if (pending[key] === true && next[key] !== true) continue;
    merged[key] = next[key];
  }
  return merged;
}

/**
 * mergeInputs into `pending` itself (which the caller owns) instead of a copy: the server
 * merges a second input of the same tick this way, without allocating.
 */
export function mergeInputsInto(pending: Inputs, next: Inputs): Inputs {
  for (const key in next) {
    if (pending[key] === true && next[key] !== true) continue;
    pending[key] = next[key];
  }
  return pending;
}

/**
 * Which frame an input is for: the named frame if it is still ahead, otherwise the
 * next frame to be simulated (`currentFrame`). Returns `undefined` when the named
 * frame is further ahead than `maxLead` frames.
 */
export function targetFrame(currentFrame: number, requested: number | undefined, maxLead: number): number | undefined {
  if (requested === undefined || requested <= currentFrame) return currentFrame;
  if (requested - currentFrame > maxLead) return undefined;
  return requested;
}
