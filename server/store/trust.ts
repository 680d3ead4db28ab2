/**
 * @module server/store/trust
 * Adaptive replication (BOINC's, tightened). A host earns trust per app with consecutive results verified by a
 * quorum; a trusted host may get units as single replicas, with a random spot check that replicates anyway. One
 * invalid result, error or timeout resets its trust at once, and (beyond BOINC) every single-replica result it has
 * that is not yet settled is revoked: its units go back for replication and its credit is withdrawn, so a patient
 * cheater who behaves until trusted gains nothing. Credit therefore settles only after a period.
 */

/** Consecutive verified results before a host may get single replicas (BOINC's default). */
export const TRUST_THRESHOLD = 10;
/**
 * The lowest spot-check probability. BOINC's 1/consecutive_valid falls towards zero, so a long-trusted cheater is
 * almost never checked; a floor keeps the chance of catching it within the settling period high.
 */
export const MIN_SPOT_CHECK = 0.1;

/** Probability that a unit sent to a host with this many consecutive verified results is replicated anyway. */
export function spotCheckProbability(consecutiveValid: number): number {
  if (consecutiveValid < TRUST_THRESHOLD) return 1;
  return Math.max(1 / consecutiveValid, MIN_SPOT_CHECK);
}

export function issueAsSingle(consecutiveValid: number, random: () => number): boolean {
  return random() >= spotCheckProbability(consecutiveValid);
}

/**
 * Valid results of an app before a host has a track record: until then its errors and timeouts do not count
 * against a unit's error or total limits (identities are free, so errors from fresh ones could fail any unit).
 */
export const TRACK_RECORD = 3;

/** What a decided result says about its host. */
export type TrustEvent = 'verified-valid' | 'single-valid' | 'invalid' | 'error';

/** Valid results of an app, and days since registration, before a host is established for it. */
export const ESTABLISHED_VALID = 10;
export const ESTABLISHED_AGE_MS = 86_400_000;

/** A host's record with one app, and when it registered: what makes it established. */
export interface AppRecord {
  valid: number;
  invalid: number;
  createdAt: number;
}

/**
 * Established for an app: ESTABLISHED_VALID valid results of it, at most one invalid per ten valid, registered a day
 * ago or more. A result of a host that is not established is validated only by a quorum that includes an established
 * host (server/passes/validate.ts), which is of another volunteer and network (no two hosts of one share a unit), and
 * the scheduler keeps a unit whose replicas are all out with such hosts for established ones. Identities are free;
 * a day and ten results that agreed with established hosts are not.
 *
 * @example isEstablished({ valid: 12, invalid: 0, createdAt: now - 2 * 86_400_000 }, now) // true
 */
export function isEstablished(r: AppRecord, now: number): boolean {
  return r.valid >= ESTABLISHED_VALID && r.invalid * 10 <= r.valid && now - r.createdAt >= ESTABLISHED_AGE_MS;
}
