/** Access tokens (contract §2) and the matchmaker's signed seat grants. */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import jwt from "jsonwebtoken";
import { initConfig, loadConfig } from "../../src/config.ts";
import { signSeatGrants, verifyAccessToken, verifySeatGrants, type SeatGrant } from "../../src/utils/auth.ts";

describe("access tokens", () => {
  const secret = "unit-test-secret";
  initConfig(loadConfig({ JWT_SECRET: secret }));
  const exp = () => Math.floor(Date.now() / 1000) + 60;

  test("a valid HS256 token gives userId and username", () => {
    const token = jwt.sign({ userId: "alice", username: "Alice", exp: exp() }, secret);
    assert.deepEqual(verifyAccessToken(token, secret), { userId: "alice", username: "Alice" });
  });

  test("sub stands in for userId", () => {
    assert.equal(verifyAccessToken(jwt.sign({ sub: "bob", exp: exp() }, secret), secret).userId, "bob");
  });

  const faults: Array<[string, unknown, string]> = [
    ["missing", undefined, "missing"],
    ["empty", "", "missing"],
    ["not a string", 42, "malformed"],
    ["not a JWT", "abc", "malformed"],
    ["wrong secret", jwt.sign({ userId: "a", exp: exp() }, "other"), "bad signature"],
    ["expired", jwt.sign({ userId: "a", exp: Math.floor(Date.now() / 1000) - 1 }, secret), "expired"],
    ["no exp", jwt.sign({ userId: "a" }, secret), "malformed"],
    ["alg none", jwt.sign({ userId: "a", exp: exp() }, "", { algorithm: "none" }), "bad signature"],
    ["HS384", jwt.sign({ userId: "a", exp: exp() }, secret, { algorithm: "HS384" }), "bad signature"],
    ["numeric userId", jwt.sign({ userId: 7, exp: exp() }, secret), "malformed"],
  ];
  for (const [name, token, reason] of faults) {
    test(`a token that is ${name} is refused as ${reason} (401)`, () => {
      assert.throws(
        () => verifyAccessToken(token, secret),
        (e: Error & { code?: number; reason?: string }) => e.code === 401 && e.reason === reason && e.message.includes(reason),
      );
    });
  }
});

describe("seat grants", () => {
  const seats: SeatGrant[] = [
    { userId: "a", seatIndex: 0, reconnectKey: "k0" },
    { userId: "b", seatIndex: 1, reconnectKey: "k1" },
  ];

  test("grants signed by this server verify; altered grants or another secret do not", () => {
    const sig = signSeatGrants("m1", seats, "secret");
    verifySeatGrants("m1", seats, sig, "secret");
    assert.throws(() => verifySeatGrants("m2", seats, sig, "secret"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", [{ ...seats[0], userId: "mallory" }, seats[1]], sig, "secret"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", seats, sig, "other"), /not signed/);
    assert.throws(() => verifySeatGrants("m1", seats, undefined, "secret"), /not signed/);
  });
});
