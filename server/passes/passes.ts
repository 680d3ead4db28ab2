/**
 * @module server/passes/passes
 * The coordinator's daemons, each one pass over the store that returns whether it did anything (BOINC's do_pass).
 * They never call each other; they talk through the state they leave in the store, so each is idempotent and can
 * run alone (`node server/cli/pass.ts validator`, once or with --loop; the list by name is server/pass-list.ts).
 */
import type { Store } from '../store/store.ts';
import { decideTransition, thenTransition } from './transition.ts';
import { decideValidation } from './validate.ts';

export type Pass = (store: Store, now: number) => Promise<boolean>;

/**
 * How much a pass takes in one round. Under load a round starts as each batch of reports arrives and takes as long
 * as its statements wait for the busy process and database, so a pass must handle in one round what arrived during
 * the last: with 200 units the validator fell behind the reports on two cores (bench/coordinator.ts prints what
 * was left behind), with 1,000 it keeps up, and fewer, larger statements cost less a unit.
 */
const UNITS = 1_000;
/** Credit goes to results, min_quorum or more of them a validated unit. */
const RESULTS = 4 * UNITS;
/** The revoker works host by host. */
const HOSTS = 200;
const PURGED = 2_000;

/** Times out overdue replicas, issues replicas a unit lacks, closes or fails units. */
export const transitioner: Pass = async (store, now) => {
  return (await store.decideDue('transition', now, UNITS, (s) => decideTransition(s, now))) > 0;
};

/**
 * Decides quorums and grants (but does not yet add up) credit; a unit the validation changed is transitioned in the
 * same write (closed once decided, reissued when inconclusive) rather than queued for the transitioner's next round.
 */
export const validator: Pass = async (store, now) => {
  return (await store.decideDue('validate', now, UNITS, (s) => thenTransition(s, decideValidation(s, now), now))) > 0;
};

/** Adds granted credit to host and volunteer totals and their recent averages. */
export const credit: Pass = async (store, now) => (await store.applyCredit(now, RESULTS)) > 0;

/** Revokes the unsettled single-replica results of hosts just caught cheating, and reopens their units. */
export const revoker: Pass = async (store, now) => (await store.revokeUnverified(now, HOSTS)) > 0;

/** Makes credit final once it has outlived the settling period without being revoked. */
export function settler(settlingMs: number): Pass {
  return async (store, now) => (await store.settleCredit(now - settlingMs, RESULTS)) > 0;
}

/** Forgets spent request nonces and, after the retention time, the raw results of closed units. */
export function purger(retentionMs: number): Pass {
  return async (store, now) => {
    const nonces = await store.purgeNonces(now, PURGED);
    const results = await store.purgeResults(now - retentionMs, PURGED);
    return nonces + results > 0;
  };
}

/**
 * Runs `pass` at most once every `everyMs` of the runner's clock, except right after a run that found work, so a
 * backlog still drains round after round. For passes with nothing urgent to do (settling after a day, purging after
 * the retention time): run every round, as results arrive, each would cost a few statements for nothing.
 */
export function atMostEvery<S>(
  everyMs: number,
  pass: (store: S, now: number) => Promise<boolean>,
): (store: S, now: number) => Promise<boolean> {
  let last = -Infinity;
  let busy = false;
  return async (store, now) => {
    if (!busy && now - last < everyMs) return false;
    last = now;
    busy = await pass(store, now);
    return busy;
  };
}
