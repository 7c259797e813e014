/**
 * WebSocket protocol faults from a client (contract §6; STYLE habit 8): a fragment
 * flood, a frame with reserved bits, an unmasked frame and a frame over 4 KB, each from
 * a player seated in a room. The transport closes each with its code, every one is
 * counted, and the real server process logs them as client faults (warn, one line, no
 * stack): nothing at error level, which is kept for our own bugs. Bystanders keep
 * playing every frame throughout (with ws' default of 16 K fragments, parsing the flood
 * stalled the process 220-510 ms and they missed frames: MAX_MESSAGE_FRAGMENTS).
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { signAccessToken } from "../../src/utils/auth.ts";
import { waitFor } from "../support/helpers.ts";
import { Bystanders } from "../support/bystanders.ts";
import { ServerProcess } from "../support/processes.ts";
import { RawRoomSocket, frame } from "../support/rawWebSocket.ts";

const JWT_SECRET = "client-faults-test-secret";
const token = (userId: string) => signAccessToken({ userId, username: userId }, 3600, JWT_SECRET);
/** ws' default cap on the fragments of one message (WebSocketServer maxFragments): an attacker sends at least that many. */
const WS_MAX_FRAGMENTS = 16 * 1024;
const OP_CONTINUATION = 0x0;
const OP_BINARY = 0x2;

let server: ServerProcess;
let bystanders: Bystanders;

before(async () => {
  server = await ServerProcess.start({ JWT_SECRET });
  bystanders = await Bystanders.start(server.endpoint, token);
});
after(async () => {
  await bystanders?.leave();
  await server?.kill();
});

const cases: Array<{ name: string; bytes: () => Buffer; close: number; wsCode: string }> = [
  {
    name: "a flood of empty fragments past ws' limit",
    // One message opened and never finished: 16 K + 1 empty continuation frames (one built, repeated: cheap for the test process).
    bytes: () => {
      const continuation = frame({ opcode: OP_CONTINUATION, fin: false });
      return Buffer.concat([frame({ opcode: OP_BINARY, fin: false }), Buffer.alloc(continuation.length * (WS_MAX_FRAGMENTS + 1), continuation)]);
    },
    close: 1008,
    wsCode: "WS_ERR_TOO_MANY_BUFFERED_PARTS",
  },
  { name: "a frame with RSV1 set (no extension agreed)", bytes: () => frame({ opcode: OP_BINARY, rsv1: true, payload: Buffer.from([13]) }), close: 1002, wsCode: "WS_ERR_UNEXPECTED_RSV_1" },
  { name: "an unmasked client frame", bytes: () => frame({ opcode: OP_BINARY, masked: false, payload: Buffer.from([13]) }), close: 1002, wsCode: "WS_ERR_EXPECTED_MASK" },
  { name: "a 5000-byte frame", bytes: () => frame({ opcode: OP_BINARY, payload: Buffer.alloc(5000, 1) }), close: 1009, wsCode: "WS_ERR_UNSUPPORTED_MESSAGE_LENGTH" },
];

describe("WebSocket protocol faults from a seated player", () => {
  for (const c of cases) {
    test(`${c.name}: closed with ${c.close}, counted, logged as a client fault`, async (t) => {
      const mark = bystanders.mark();
      const linesBefore = server.logs().length;
      const countBefore = await server.metric("framesync_protocol_errors_total", { code: c.wsCode });
      const raw = await RawRoomSocket.join(server.port, token(`attacker-${c.wsCode}`));
      const bytes = c.bytes();
      const sent = performance.now();
      raw.write(bytes);
      const code = await waitFor(() => raw.closeCode, { timeoutMs: 10_000, what: "the server's close frame" });
      const closeMs = Math.round(performance.now() - sent);
      raw.destroy();
      assert.equal(code, c.close);
      await waitFor(async () => (await server.metric("framesync_protocol_errors_total", { code: c.wsCode })) > countBefore, { timeoutMs: 5_000, what: `${c.wsCode} to be counted` });

      const lines = server.logs().slice(linesBefore);
      const errors = lines.filter((l) => l.level >= 50);
      assert.deepEqual(errors, [], "no error-level log line for a client's fault");
      const faultLines = lines.filter((l) => l.clientFault);
      assert.ok(faultLines.length >= 1, `the fault is logged: ${JSON.stringify(lines)}`);
      for (const line of faultLines) {
        assert.equal(line.level, 40);
        assert.equal(line.stack, undefined, "no stack for a client fault");
        assert.ok(!String(line.msg).includes("\n    at "), "no stack in the message");
      }
      const kept = await bystanders.assertKeptPlaying(mark).catch((err: Error) => {
        const late = server.logs().slice(linesBefore).filter((l) => l.msg === "late tick");
        throw new Error(`${err.message}; server late ticks meanwhile: ${JSON.stringify(late)}`);
      });
      assert.ok(server.running);
      t.diagnostic(`closed ${code} ${closeMs} ms after the bytes; logged "${faultLines[0]!.msg}" at warn; bystanders ${kept.frames} frames in ${kept.seconds} s (${kept.fps} fps)`);
    });
  }
});
