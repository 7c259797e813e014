/**
 * The `input` fast path (issue 16): the common shape of an `input` message checked by hand,
 * without allocating, before sanitize and zod. A check here only ever ACCEPTS — a value it
 * does not recognise goes down the usual path (sanitize, then the schema), which alone
 * rejects and words the error. So a fast check must accept nothing the slow path refuses,
 * and what it accepts must be what the slow path would have returned (the decoded object
 * itself is handed on). test/unit/input-fast-path.test.ts holds both paths to that over
 * many generated messages.
 */
import { MAX_INPUT_KEYS, MAX_KEY_CHARS, MAX_STRING_CHARS } from "../utils/limits.ts";

/** A game's hand-written check of `input.inputs`: true only for values its zod schema accepts unchanged. */
export type InputsFastCheck = (inputs: Record<string, unknown>) => boolean;

/** The keys sanitize drops (protocol/messages.ts): an object holding one is left to it. */
function pollutingKey(key: string): boolean {
  return key === "__proto__" || key === "__proto_" || key === "constructor" || key === "prototype";
}

/** A plain data object as msgpack decodes a map (the only objects sanitize passes through as they are). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

export function isFiniteNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/** null, a boolean, a finite number or a string within MAX_STRING_CHARS: values sanitize returns unchanged. */
export function isPlainScalar(value: unknown): boolean {
  if (value === null) return true;
  switch (typeof value) {
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value);
    case "string":
      return value.length <= MAX_STRING_CHARS;
    default:
      return false;
  }
}

/** `frame` of an input: an integer in [0, MAX_SAFE_INTEGER] (protocol/messages.ts frameNumber). */
function isFrameNumber(value: unknown): boolean {
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The fast check of the generic room's inputs (AnyInputs: any object of at most
 * MAX_INPUT_KEYS keys): flat objects of scalars. Anything nested is left to zod.
 */
export const anyInputsFast: InputsFastCheck = (inputs) => {
  let keys = 0;
  for (const key in inputs) {
    if (++keys > MAX_INPUT_KEYS || key.length > MAX_KEY_CHARS || pollutingKey(key)) return false;
    if (!isPlainScalar(inputs[key])) return false;
  }
  return true;
};

/**
 * True when `raw` (a decoded `input` payload) is `{ inputs, frame? }` with `inputs`
 * passing `check` and `frame` a frame number: then sanitize + the input schema would
 * accept it and return an equal object.
 */
export function isFastInput(raw: unknown, check: InputsFastCheck): boolean {
  if (!isPlainObject(raw)) return false;
  let hasInputs = false;
  for (const key in raw) {
    if (key === "inputs") {
      const inputs = raw.inputs;
      if (!isPlainObject(inputs) || !check(inputs)) return false;
      hasInputs = true;
    } else if (key === "frame") {
      if (!isFrameNumber(raw.frame)) return false;
    } else {
      return false;
    }
  }
  return hasInputs;
}
