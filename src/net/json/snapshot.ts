/**
 * The room state as plain JSON, kept up to date in place once per tick (contract §9).
 * Building a fresh `toJSON()` every tick and diffing it against the last one allocated
 * the whole state twice per tick; this walks the Schema tree once, compares each field
 * with the kept snapshot, updates the snapshot where it changed and returns the RFC 7396
 * merge patch of exactly those changes. Schema objects and maps are walked; anything
 * else (arrays, sets, collections) is compared whole through its `toJSON()`.
 */
import { MapSchema, Schema } from "@colyseus/schema";
import { diffMergePatch, type Json } from "./mergePatch.ts";

type JsonObject = { [key: string]: Json };

const METADATA: symbol = (Symbol as unknown as { metadata?: symbol }).metadata ?? Symbol.for("Symbol.metadata");

function isObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function plain(value: unknown): Json {
  return value !== null && typeof value === "object" && typeof (value as { toJSON?: unknown }).toJSON === "function"
    ? ((value as { toJSON(): Json }).toJSON())
    : (value as Json);
}

/** One field or map entry: returns its patch (undefined when unchanged) and updates `into[key]`. */
function syncEntry(into: JsonObject, key: string, value: unknown): Json | undefined {
  const old = into[key];
  if (value instanceof Schema || value instanceof MapSchema) {
    if (isObject(old)) return syncSnapshot(value, old);
    const fresh = plain(value);
    into[key] = fresh;
    return fresh;
  }
  if (value === null || typeof value !== "object") {
    if (old === value) return undefined;
    into[key] = value as Json;
    return value as Json;
  }
  const fresh = plain(value);
  if (old !== undefined && diffMergePatch(old, fresh) === undefined) return undefined;
  into[key] = fresh;
  return fresh;
}

/**
 * Brings `into` (the plain snapshot of `state` as of the last call) up to date in place
 * and returns the merge patch from the old snapshot to the new one, or undefined.
 */
export function syncSnapshot(state: Schema | MapSchema, into: JsonObject): JsonObject | undefined {
  let patch: JsonObject | undefined;
  if (state instanceof MapSchema) {
    let present = 0;
    state.forEach((value: unknown, key: string) => {
      present++;
      const change = syncEntry(into, key, value);
      if (change !== undefined) (patch ??= {})[key] = change;
    });
    if (Object.keys(into).length !== present) {
      for (const key of Object.keys(into)) {
        if (state.has(key)) continue;
        delete into[key];
        (patch ??= {})[key] = null;
      }
    }
    return patch;
  }
  const metadata = (state.constructor as unknown as Record<symbol, Record<string, { name: string; deprecated?: boolean }>>)[METADATA];
  for (const index in metadata) {
    const field = metadata[index]!;
    if (field.deprecated) continue;
    const name = field.name;
    const value = (state as unknown as Record<string, unknown>)[name];
    if (value === null || value === undefined) {
      if (Object.hasOwn(into, name)) {
        delete into[name];
        (patch ??= {})[name] = null;
      }
      continue;
    }
    const change = syncEntry(into, name, value);
    if (change !== undefined) (patch ??= {})[name] = change;
  }
  return patch;
}
