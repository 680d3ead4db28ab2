/**
 * @module server/passes/passes
 * The coordinator's daemons, each one pass over the store that returns whether it did anything (BOINC's do_pass).
 * They never call each other; they talk through the state they leave in the store, so each is idempotent and can
 * run alone (`node server/cli/pass.ts validator`, once or with --loop; the list by name is server/pass-list.ts).
 */
import type { Store, UnitQueue } from '../store/store.ts';
import type { UnitChanges, UnitWithReplicas } from '../store/types.ts';
import type { Decision, WorkEvents } from './events.ts';
import { decideTransition, thenTransition } from './transition.ts';
import { decideValidation } from './validate.ts';

export type Pass = (store: Store, now: number) => Promise<boolean>;

/**
 * How much a pass takes in one round, at least. Under load a round starts as each batch of reports arrives and takes
 * as long as its statements wait for the busy process and database (each pass's transaction waits its turn among
 * the crowd's commits), so a pass must handle in one round what arrived during the last: with 200 units the
 * validator fell behind the reports on two cores, and fewer, larger statements cost less a unit.
 */
const UNITS = 1_000;
/** Credit goes to results, min_quorum or more of them a validated unit. */
const RESULTS = 4 * UNITS;
/** The revoker works host by host. */
const HOSTS = 200;
const PURGED = 2_000;
/** How far a pass's round may grow past its least while it finds a backlog (see backlogSized). */
const GROWTH = 4;

/**
 * The size of a pass's round, following its backlog. A fixed size caps a pass at size / round time whatever the
 * machine: at 1,000 units a round the transitioner and the validator each took a full round every half second on
 * two cores, capping validated units at 2,000 a second while the API sent more than 4,000 units' first replicas a
 * second and the backlog grew (bench/coordinator.ts, docs/performance.md). A round that finds its size full doubles
 * the next, up to `GROWTH` times the least; one that finds under a quarter of it halves it back. Only the size
 * adapts: what a pass decides does not depend on it.
 */
export function backlogSized(least: number) {
  let size = least;
  return {
    get size() {
      return size;
    },
    took(n: number) {
      if (n >= size) size = Math.min(least * GROWTH, size * 2);
      else if (n < size / 4) size = Math.max(least, size / 2);
    },
  };
}

/**
 * A pass that decides units of `queue`, telling `events` what it decided once the store committed it. The store
 * may run its transaction again (a Postgres deadlock's victim), calling `decide` again for a set of units that may
 * differ: it decides a whole set in one synchronous map, so each run's decisions arrive in one turn of the event loop,
 * and only the last run's are kept.
 */
function deciding(queue: UnitQueue, decide: (s: UnitWithReplicas, now: number) => UnitChanges, events?: WorkEvents) {
  const round = backlogSized(UNITS);
  const pass: Pass = async (store, now) => {
    let run: Decision[] = [];
    let open = false;
    const taken = await store.decideDue(queue, now, round.size, (before) => {
      if (!open) {
        run = [];
        open = true;
        queueMicrotask(() => (open = false));
      }
      const changes = decide(before, now);
      run.push({ before, changes });
      return changes;
    });
    round.took(taken);
    if (events && taken > 0 && run.length > 0) events.decided(queue, run);
    return taken > 0;
  };
  return pass;
}

/** Times out overdue replicas, issues replicas a unit lacks, closes or fails units. */
export const transitionerFor = (events?: WorkEvents): Pass =>
  deciding('transition', (s, now) => decideTransition(s, now), events);
export const transitioner: Pass = transitionerFor();

/**
 * Decides quorums and grants (but does not yet add up) credit; a unit the validation changed is transitioned in the
 * same write (closed once decided, reissued when inconclusive) rather than queued for the transitioner's next round.
 */
export const validatorFor = (events?: WorkEvents): Pass =>
  deciding('validate', (s, now) => thenTransition(s, decideValidation(s, now), now), events);
export const validator: Pass = validatorFor();

/** Adds granted credit to host and volunteer totals and their recent averages. */
export const creditPass = (): Pass => {
  const round = backlogSized(RESULTS);
  return async (store, now) => {
    const applied = await store.applyCredit(now, round.size);
    round.took(applied);
    return applied > 0;
  };
};
export const credit: Pass = creditPass();

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

/** Status-page counts folded a pass: a batch of tens of thousands of units folds in a few rounds. */
const FOLDED = 10_000;

/**
 * Folds the status page's count and activity changes into their totals, so a status read sums few rows
 * (status-counts.ts, activity-counts.ts), and drops the activity that left its window.
 */
export const statusCounterPass = (): Pass => {
  const round = backlogSized(FOLDED);
  return async (store, now) => {
    const counts = await store.foldStatusCounts(round.size);
    const activity = await store.foldActivity(round.size, now);
    round.took(Math.max(counts, activity));
    return counts + activity > 0;
  };
};

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
