/**
 * `npm run codegen`: the client-side state classes of game_room (src/rooms/schema) for
 * every language @colyseus/schema's `schema-codegen` writes, one folder per language under
 * generated/schema/. They are committed, so a Unity, Defold or Godot developer can take
 * them without Node; test/process/codegen.test.ts fails when they no longer match the
 * server's schema (run `npm run codegen` and commit the result).
 *
 *   npm run codegen [-- --out <dir>]      (default: generated/schema)
 */
import { spawn } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SCHEMA = path.join("src", "rooms", "schema", "MyRoomState.ts");
const CODEGEN = path.join(ROOT, "node_modules", ".bin", "schema-codegen");

/** Each language schema-codegen supports, the flag that selects it and where a namespace makes sense. */
export const LANGUAGES = [
  { dir: "csharp", flag: "--csharp", namespace: "FrameSync.Schema" }, // Unity, Godot .NET
  { dir: "lua", flag: "--lua" }, // Defold, Solar2D, LÖVE
  { dir: "gdscript", flag: "--gdscript" }, // Godot 4
  { dir: "haxe", flag: "--haxe", namespace: "framesync.schema" }, // HaxeFlixel, Heaps, OpenFL
  { dir: "cpp", flag: "--cpp", namespace: "FrameSync" }, // Cocos2d-x, native C++
  { dir: "c", flag: "--c" }, // native C
  { dir: "java", flag: "--java", namespace: "framesync.schema" }, // libGDX, Android
  { dir: "dart", flag: "--dart" }, // Flutter / Flame
  { dir: "swift", flag: "--swift" }, // iOS / SpriteKit
  { dir: "ts", flag: "--ts" }, // TypeScript engines (Cocos Creator, Phaser, PlayCanvas), optional with Client<GameServer>
  { dir: "js", flag: "--js" }, // plain JavaScript
] as const;

function run(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(CODEGEN, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d) => (output += d));
    child.stderr.on("data", (d) => (output += d));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(output) : reject(new Error(`schema-codegen ${args.join(" ")} failed (${code}):\n${output}`))));
  });
}

/** Writes every language's classes into `outDir/<language>/`, replacing what was there. */
export async function generate(outDir: string): Promise<void> {
  await Promise.all(
    LANGUAGES.map(async (lang) => {
      const dir = path.join(outDir, lang.dir);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      const ns = "namespace" in lang ? ["--namespace", lang.namespace] : [];
      await run([SCHEMA, "--output", dir, lang.flag, ...ns]);
    }),
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const outFlag = process.argv.indexOf("--out");
  const outDir = path.resolve(ROOT, outFlag > 0 ? process.argv[outFlag + 1]! : path.join("generated", "schema"));
  await generate(outDir);
  console.log(`schema classes for ${LANGUAGES.map((l) => l.dir).join(", ")} written to ${path.relative(ROOT, outDir) || "."}`);
}
