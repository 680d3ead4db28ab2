import { describe, expect, test } from 'vitest';
import { TAIL_RECHECK_MS } from '../store/tail.ts';
import type { Replica, WorkUnit } from '../store/types.ts';
import { decideTransition } from './transition.ts';

const SENT = 1_000_000;
const DEADLINE = SENT + 600_000;
/** Past half the deadline: overdue for the tail. */
const LATE = SENT + 400_000;

const unit = (over: Partial<WorkUnit> = {}): WorkUnit =>
  ({
    id: 1,
    batchId: 1,
    state: 'active',
    single: false,
    minQuorum: 2,
    targetNresults: 2,
    requestedQuorum: 2,
    requestedTarget: 2,
    maxErrorResults: 3,
    maxTotalResults: 6,
    delayBoundS: 86_400,
    canonicalReplicaId: null,
    failure: null,
    siblingAt: SENT - 1,
    flopsEstimate: 1e6,
    batchInTail: true,
    ...over,
  }) as WorkUnit;

let ids = 0;
const replica = (over: Partial<Replica> = {}): Replica => ({
  id: ++ids,
  workUnitId: 1,
  hostId: ids,
  volunteerId: ids,
  serverState: 'in_progress',
  outcome: null,
  validateState: 'init',
  sentAt: SENT,
  deadline: DEADLINE,
  receivedAt: null,
  result: null,
  variant: null,
  elapsedMs: null,
  hostFlops: null,
  error: null,
  grantedCredit: 0,
  unverified: false,
  validatedAt: null,
  ...over,
});
const reported = () => replica({ serverState: 'over', outcome: 'success', validateState: 'init' });

describe("the transitioner's tail replica", () => {
  test('default: an overdue replica in a batch in its tail gets one tail replica', () => {
    const changes = decideTransition({ unit: unit(), replicas: [reported(), replica()] }, LATE);
    expect(changes).toMatchObject({ newReplicas: 1, tailReplica: true });
  });

  test('behavior: idempotent, one tail replica per unit whatever became of it', () => {
    for (const tail of [
      replica({ tail: true, serverState: 'unsent', sentAt: null, deadline: null }),
      replica({ tail: true }),
    ]) {
      const changes = decideTransition({ unit: unit(), replicas: [reported(), replica(), tail] }, LATE);
      expect(changes.newReplicas).toBe(0);
      expect(changes.tailReplica).toBeUndefined();
    }
  });

  test('behavior: before the replica is overdue, the next look is when it will be', () => {
    const changes = decideTransition({ unit: unit(), replicas: [reported(), replica()] }, SENT + 10_000);
    expect(changes.newReplicas).toBe(0);
    expect(changes.wakeAt).toBe(SENT + 300_000);
  });

  test('behavior: a batch not in its tail is looked at again later, never past the deadline', () => {
    const changes = decideTransition({ unit: unit({ batchInTail: false }), replicas: [reported(), replica()] }, LATE);
    expect(changes.newReplicas).toBe(0);
    expect(changes.wakeAt).toBe(LATE + Math.max(TAIL_RECHECK_MS, 600_000 / 8));
  });

  test('behavior: none while siblings wait, for a single replica, or past max_total_results', () => {
    const cases = [
      unit({ siblingAt: LATE + 1 }),
      unit({ single: true, minQuorum: 1, targetNresults: 1 }),
      unit({ maxTotalResults: 2 }),
    ];
    for (const u of cases) {
      expect(decideTransition({ unit: u, replicas: [reported(), replica()] }, LATE).tailReplica).toBeUndefined();
    }
  });

  test('behavior: an unsent tail replica does not stand in for a timed-out one', () => {
    const tail = replica({ tail: true, serverState: 'unsent', sentAt: null, deadline: null });
    const changes = decideTransition({ unit: unit(), replicas: [reported(), replica(), tail] }, DEADLINE + 1);
    expect(changes.newReplicas).toBe(1);
    expect(changes.tailReplica).toBeUndefined();
  });
});
