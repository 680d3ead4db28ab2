/**
 * @module server/http/registration-challenges
 * Issues and checks the registration proof of work (protocol/registration-proof.ts) without keeping anything per
 * challenge: a challenge is `expiresAt.bits.id.mac`, the mac an HMAC-SHA256 of the rest under a secret every
 * coordinator process shares. Checking a solution is one HMAC and one SHA-256, before any database work; only a
 * correct solution reaches the store, which spends its id once (server/store/sql/identity-bans.ts).
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RegistrationChallenge, RegistrationProof } from '../../protocol/registration-proof.ts';
import { leadingZeroBits, proofDigest } from '../../protocol/registration-work.ts';
import { InvalidProofError } from './errors.ts';

/** How long a challenge may be solved and used: ample for a slow phone, too short to stockpile solutions. */
export const CHALLENGE_TTL_MS = 10 * 60_000;

export interface RegistrationPricing {
  /** The HMAC key; the same in every process of one coordinator, or their challenges are refused by the others. */
  secret: string;
  /** Leading zero bits a solution's hash must have (TERRAFLOP_REGISTRATION_WORK_BITS). */
  bits: number;
}

/** A correct solution: the id to spend and when its challenge expires. */
export interface SolvedChallenge {
  id: string;
  expiresAt: number;
}

const SHAPE = /^(\d{1,15})\.(\d{1,2})\.([0-9A-Za-z_-]{22})\.([0-9A-Za-z_-]{43})$/;

export class RegistrationChallenges {
  private readonly secret: string;
  private readonly bits: number;

  constructor({ secret, bits }: RegistrationPricing) {
    this.secret = secret;
    this.bits = bits;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.secret).update(body).digest();
  }

  /** A fresh challenge at the current difficulty, valid until `now + CHALLENGE_TTL_MS`. */
  issue(now: number): RegistrationChallenge {
    const expiresAt = now + CHALLENGE_TTL_MS;
    const body = `${expiresAt}.${this.bits}.${randomBytes(16).toString('base64url')}`;
    return { challenge: `${body}.${this.mac(body).toString('base64url')}`, bits: this.bits, expiresAt };
  }

  /** The challenge's id if `proof` solves a live challenge this coordinator issued; else InvalidProofError. */
  check({ challenge, nonce }: RegistrationProof, now: number): SolvedChallenge {
    const parts = SHAPE.exec(challenge);
    const body = parts && challenge.slice(0, challenge.lastIndexOf('.'));
    if (!parts || !body || !timingSafeEqual(this.mac(body), Buffer.from(parts[4]!, 'base64url')))
      throw new InvalidProofError('proof.challenge', 'not a challenge this coordinator issued');
    const expiresAt = Number(parts[1]);
    if (expiresAt <= now)
      throw new InvalidProofError('proof.challenge', 'expired; ask GET /api/hosts/challenge for a new one');
    // Signed with a lower difficulty before the operator raised it: not enough work for this coordinator now.
    const bits = Number(parts[2]);
    if (bits < this.bits)
      throw new InvalidProofError('proof.challenge', `asks ${bits} bits, fewer than the ${this.bits} required now`);
    if (leadingZeroBits(proofDigest(challenge, nonce)) < bits)
      throw new InvalidProofError(
        'proof.nonce',
        `does not solve the challenge (SHA-256 needs ${bits} leading zero bits)`,
      );
    return { id: parts[3]!, expiresAt };
  }
}
