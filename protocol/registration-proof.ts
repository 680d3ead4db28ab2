/**
 * @module protocol/registration-proof
 * The proof of work that prices a host's registration (issue 17, item 3). The coordinator hands out a challenge
 * (GET /api/hosts/challenge): an opaque string it signed, with the difficulty in bits and an expiry. The client finds
 * a nonce such that SHA-256 of `challenge:nonce` starts with that many zero bits, and sends both with POST
 * /api/hosts; each challenge registers one host. The same code hashes in a browser worker, in Node and in the check.
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
