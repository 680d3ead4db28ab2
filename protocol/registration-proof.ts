/**
 * @module protocol/registration-proof
 * The proof of work that prices a host's registration (issue 17, item 3). The coordinator hands out a challenge
 * (GET /api/hosts/challenge): an opaque string it signed, with the difficulty in bits and an expiry. The client finds
 * a nonce such that SHA-256 of `challenge:nonce` starts with that many zero bits, and sends both with POST
 * /api/hosts; each challenge registers one host. The same code hashes in a browser worker, in Node and in the check.
 */
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';
import { z } from 'zod';

/** The production difficulty: about 1-3 s of one browser core (measured with bench/registration.ts). */
export const DEFAULT_REGISTRATION_BITS = 18;

/** Ids, expiries and signatures in a challenge are base64url or decimal, dot-separated; nothing else is accepted. */
const CHALLENGE_TEXT = /^[0-9A-Za-z_.-]{1,200}$/;

export const RegistrationChallenge = z.strictObject({
  challenge: z.string().regex(CHALLENGE_TEXT),
  /** Leading zero bits the hash must have: about 2^bits hashes to find, one to check. */
  bits: z.number().int().min(0).max(40),
  /** Milliseconds since the epoch after which the coordinator refuses a solution. */
  expiresAt: z.number().int().min(0),
});
export type RegistrationChallenge = z.infer<typeof RegistrationChallenge>;

export const RegistrationProof = z.strictObject({
  challenge: z.string().regex(CHALLENGE_TEXT, 'must be a challenge from GET /api/hosts/challenge'),
  nonce: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type RegistrationProof = z.infer<typeof RegistrationProof>;

/** What is hashed: the challenge and the nonce in decimal, as UTF-8. */
export const proofInput = (challenge: string, nonce: number) => `${challenge}:${nonce}`;

/** SHA-256 of proofInput(challenge, nonce): what the coordinator checks. */
export const proofDigest = (challenge: string, nonce: number) => sha256(utf8ToBytes(proofInput(challenge, nonce)));

/** How many of the digest's leading bits are zero. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/**
 * Finds the least nonce that solves `challenge` (about 2^bits digests). Slow on purpose: in a page, call it in a
 * worker (web/lib/registration-worker.ts), never on the main thread. Hashing is @noble/hashes' synchronous SHA-256,
 * not WebCrypto: WebCrypto's digest is a round trip per hash, which made the search about 3 times slower in a
 * Chromium worker (npm run bench:registration), a discount for an attacker with native code.
 * @example const proof = solveChallenge(await (await fetch('/api/hosts/challenge')).json());
 */
export function solveChallenge({ challenge, bits }: RegistrationChallenge): RegistrationProof {
  // The challenge's part of the input is hashed once; each nonce continues from a copy of that state.
  const prefix = sha256.create().update(utf8ToBytes(`${challenge}:`));
  for (let nonce = 0; ; nonce++) {
    const digest = prefix
      .clone()
      .update(utf8ToBytes(String(nonce)))
      .digest();
    if (leadingZeroBits(digest) >= bits) return { challenge, nonce };
  }
}
