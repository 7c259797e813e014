/**
 * `npm run codegen` (scripts/codegen.ts, @colyseus/schema's schema-codegen): the committed
 * client-side state classes in generated/schema/ are exactly what the server's schema
 * produces today, for every language, and each names every field of the state.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import { LANGUAGES, generate } from "../../scripts/codegen.ts";
import { ROOT } from "../support/processes.ts";

const COMMITTED = path.join(ROOT, "generated", "schema");
const fresh = mkdtempSync(path.join(os.tmpdir(), "framesync-codegen-"));
after(() => rmSync(fresh, { recursive: true, force: true }));

const PLAYER_FIELDS = ["sessionId", "userId", "seatIndex", "online", "x", "y", "attacking"];

test("the committed generated/schema classes match the server's schema for every language (else: npm run codegen)", async () => {
  await generate(fresh);
  for (const lang of LANGUAGES) {
    const want = readdirSync(path.join(fresh, lang.dir)).sort();
    assert.ok(want.length >= 2, `${lang.dir}: ${want}`);
    assert.deepEqual(readdirSync(path.join(COMMITTED, lang.dir)).sort(), want, `${lang.dir}: files`);
    for (const file of want) {
      const generated = readFileSync(path.join(fresh, lang.dir, file), "utf8");
      assert.equal(readFileSync(path.join(COMMITTED, lang.dir, file), "utf8"), generated, `generated/schema/${lang.dir}/${file} is stale: run npm run codegen`);
    }
    const player = want.find((f) => /player/i.test(f))!;
    const text = readFileSync(path.join(fresh, lang.dir, player), "utf8");
    for (const field of PLAYER_FIELDS) assert.match(text, new RegExp(`\\b${field}\\b`), `${lang.dir}/${player} names ${field}`);
    const state = readFileSync(path.join(fresh, lang.dir, want.find((f) => /room_?state/i.test(f))!), "utf8");
    assert.match(state, /\bframe\b/);
    assert.match(state, /\bplayers\b/);
  }
});
