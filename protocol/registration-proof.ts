/**
 * @module protocol/registration-proof
 * The proof of work that prices a host's registration (issue 17, item 3). The coordinator hands out a challenge
 * (GET /api/hosts/challenge): an opaque string it signed, with the difficulty in bits and an expiry. The client finds
 * a nonce such that SHA-256 of `challenge:nonce` starts with that many zero bits, and sends both with POST
 * /api/hosts; each challenge registers one host. Hashing is WebCrypto's, the same in a browser worker and in Node.
 */
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

/** How many of the digest's leading bits are zero. */
export function leadingZeroBits(digest: Uint8Array): number {
  let bits = 0;
  for (const byte of digest) {
    if (byte !== 0) return bits + Math.clz32(byte) - 24;
    bits += 8;
  }
  return bits;
}

/** Hashes in flight at once: WebCrypto's digest is asynchronous, and one at a time spends most of its time waiting. */
const BATCH = 256;

/**
 * Finds the least nonce that solves `challenge` (about 2^bits digests). Slow on purpose: in a page, call it in a
 * worker (web/lib/registration-worker.ts), never on the main thread.
 * @example const proof = await solveChallenge(await (await fetch('/api/hosts/challenge')).json());
 */
export async function solveChallenge({ challenge, bits }: RegistrationChallenge): Promise<RegistrationProof> {
  const encoder = new TextEncoder();
  // No more at once than about one solution's worth: an easy challenge (tests, benches) costs a few digests.
  const batch = Math.min(BATCH, 2 ** bits);
  for (let start = 0; ; start += batch) {
    const digests = await Promise.all(
      Array.from({ length: batch }, (_, i) =>
        crypto.subtle.digest('SHA-256', encoder.encode(proofInput(challenge, start + i))),
      ),
    );
    const found = digests.findIndex((d) => leadingZeroBits(new Uint8Array(d)) >= bits);
    if (found >= 0) return { challenge, nonce: start + found };
  }
}
