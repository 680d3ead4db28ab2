/**
 * @module protocol/registration-work
 * The registration proof of work itself (its messages are protocol/registration-proof.ts): what is hashed, how a
 * solution is checked and found. Free of zod, so the worker that solves it in a page stays small.
 */
import { sha256 } from '@noble/hashes/sha2';
import { utf8ToBytes } from '@noble/hashes/utils';

/** A challenge as the solver needs it (protocol/registration-proof.ts's RegistrationChallenge). */
export interface ChallengeToSolve {
  challenge: string;
  bits: number;
}

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
export function solveChallenge({ challenge, bits }: ChallengeToSolve): { challenge: string; nonce: number } {
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
