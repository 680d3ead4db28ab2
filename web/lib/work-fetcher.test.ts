import { describe, expect, test } from 'vitest';
import { MAX_BUFFERED, replicasWanted, type FetchPlan } from './work-fetcher.ts';

const plan: FetchPlan = { bufferMinutes: 10, flopsPerSecond: 1e9, workers: 2, saveData: false };

describe('replicasWanted', () => {
  test('default: an empty buffer asks for its minutes of work, at most 64 at a time', () => {
    // 10 minutes at 1 GFLOPS of 100 GFLOP units: 6 units.
    expect(replicasWanted(0, 0, 100e9, plan)).toBe(6);
    expect(replicasWanted(0, 0, 1e6, plan)).toBe(64);
  });

  test('behavior: a full buffer asks for none, but every worker gets a unit', () => {
    expect(replicasWanted(6, 600, 100e9, plan)).toBe(0);
    expect(replicasWanted(1, 900, 1e12, plan)).toBe(1);
  });

  test('behavior: never more than the cap in the buffer', () => {
    expect(replicasWanted(MAX_BUFFERED - 3, 1, 1e6, plan)).toBe(3);
    expect(replicasWanted(MAX_BUFFERED, 1, 1e6, plan)).toBe(0);
  });

  test('behavior: Save-Data fetches one replica, only when the buffer is empty', () => {
    expect(replicasWanted(0, 0, 1e6, { ...plan, saveData: true })).toBe(1);
    expect(replicasWanted(1, 1, 1e6, { ...plan, saveData: true })).toBe(0);
  });
});
