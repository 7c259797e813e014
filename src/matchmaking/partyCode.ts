/**
 * Party codes (contract §4): six characters a player can read out loud or type on a
 * phone. The alphabet leaves out characters people confuse (0/O, 1/I/L), codes come
 * from the CSPRNG so they cannot be predicted, and input is case-insensitive.
 */
import { randomInt } from "node:crypto";
import { PARTY_CODE_LENGTH } from "../utils/limits.ts";

/** 31 symbols: A–Z without I, L, O, and 2–9. 31^6 ≈ 887 million codes. */
export const PARTY_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789";

const VALID_CODE = new RegExp(`^[${PARTY_CODE_ALPHABET}]{${PARTY_CODE_LENGTH}}$`);

/** A fresh random code. */
export function newPartyCode(): string {
  let code = "";
  for (let i = 0; i < PARTY_CODE_LENGTH; i++) code += PARTY_CODE_ALPHABET[randomInt(PARTY_CODE_ALPHABET.length)];
  return code;
}

/**
 * What a player typed, as a code: case and surrounding spaces or a middle dash
 * ("abc-def") do not matter. Undefined when it cannot be a code at all.
 */
export function normalizePartyCode(input: string): string | undefined {
  const code = input.trim().replace(/[\s-]/g, "").toUpperCase();
  return VALID_CODE.test(code) ? code : undefined;
}
