/**
 * RFC 7396 JSON Merge Patch between two plain JSON snapshots (contract §9 `patch.merge`).
 * Pure: no Colyseus, no sockets. Snapshots are what Schema's `toJSON()` returns: plain
 * objects, arrays and scalars, never `null` values (a removed map entry is absent), so
 * `null` in a patch always means "removed".
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function sameJson(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i]!, b[i]!)) return false;
    return true;
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    for (const key of keys) if (!Object.hasOwn(b, key) || !sameJson(a[key]!, b[key]!)) return false;
    return true;
  }
  return false;
}

/**
 * The merge patch that turns `from` into `to`, or `undefined` when they are equal.
 * Objects are diffed key by key; arrays and scalars are replaced whole (RFC 7396 has
 * no array operations).
 */
export function diffMergePatch(from: Json, to: Json): Json | undefined {
  if (!isObject(from) || !isObject(to)) return sameJson(from, to) ? undefined : to;
  let patch: JsonObject | undefined;
  for (const key of Object.keys(to)) {
    const next = to[key]!;
    const change = Object.hasOwn(from, key) ? diffMergePatch(from[key]!, next) : next;
    if (change !== undefined) (patch ??= {})[key] = change;
  }
  for (const key of Object.keys(from)) {
    if (!Object.hasOwn(to, key)) (patch ??= {})[key] = null;
  }
  return patch;
}

/** Applies an RFC 7396 merge patch (what a client does); returns the new value. */
export function applyMergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch;
  const out: JsonObject = isObject(target) ? { ...target } : {};
  for (const key of Object.keys(patch)) {
    const value = patch[key]!;
    if (value === null) delete out[key];
    else out[key] = applyMergePatch(out[key] ?? null, value);
  }
  return out;
}
