import { describe, expect, test } from 'vitest';
import type { BatchProgress } from '../../protocol/research.ts';
import { batchState } from './batch-state.ts';

const NOW = 1_800_000_000_000;
const progress = (p: Partial<BatchProgress>): BatchProgress => ({
  batchId: 3,
  name: 'sweep',
  app: 'collatz',
  createdAt: NOW - 3_600_000,
  units: { total: 24, waiting: 0, inProgress: 24, validated: 0, failed: 0 },
  replicasInFlight: 0,
  hostsHolding: 0,
  nextDeadline: null,
  throughput: [],
  bucketMs: 60_000,
  estimatedCompletion: null,
  activeHosts: 0,
  activeVolunteers: 0,
  gflops: 0,
  errors: [],
  at: NOW,
  ...p,
});

describe('batchState', () => {
  test('default: replicas out with nothing returned wait in volunteers’ buffers, with the next deadline', () => {
    const state = batchState(
      progress({ replicasInFlight: 41, hostsHolding: 2, nextDeadline: NOW + 23 * 3_600_000, activeHosts: 2 }),
      NOW,
    );
    expect(state.label).toBe('In volunteers’ buffers');
    expect(state.detail).toContain('41 replicas are queued on 2 devices');
    expect(state.detail).toContain('due back in 23 h');
  });

  test('behavior: running says the rate and when it completes; complete says what became of the units', () => {
    const running = batchState(
      progress({ gflops: 1.234, activeHosts: 3, estimatedCompletion: NOW + 20 * 60_000, replicasInFlight: 5 }),
      NOW,
    );
    expect(running).toMatchObject({ label: 'Running', tone: 'ok' });
    expect(running.detail).toBe(
      '3 hosts returned 1.23 GFLOPS in the last 10 minutes; at this rate it completes in 20 min.',
    );
    const done = batchState(progress({ units: { total: 3, waiting: 0, inProgress: 0, validated: 2, failed: 1 } }), NOW);
    expect(done).toEqual({ label: 'Complete', tone: 'ok', detail: '2 units validated, 1 unit failed (see Errors).' });
  });

  test('behavior: nothing sent yet is queued', () => {
    const queued = batchState(
      progress({ units: { total: 5, waiting: 5, inProgress: 0, validated: 0, failed: 0 } }),
      NOW,
    );
    expect(queued.label).toBe('Queued');
    expect(queued.detail).toMatch(/^5 units wait for volunteers/);
  });
});
