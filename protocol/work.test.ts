import { describe, expect, test } from 'vitest';
import { fitReport } from './work.ts';

describe('fitReport', () => {
  const entry = (bytes: number) => ({ data: 'x'.repeat(bytes) });
  // Each entry is its data and {"data":""} around it (11 bytes); the report adds {"results":[]} (14).
  const size = (entries: { data: string }[]) => JSON.stringify({ results: entries }).length;

  test('default: the longest run from the first that fits, the report measured whole', () => {
    const entries = [entry(400), entry(400), entry(400)];
    const fitted = fitReport(entries, size(entries.slice(0, 2)));
    expect(fitted).toEqual(entries.slice(0, 2));
    expect(fitReport(entries, size(entries))).toEqual(entries);
    expect(fitReport(entries, size(entries) - 1)).toHaveLength(2);
  });

  test('behavior: one entry too large alone still goes, to be refused by name', () => {
    expect(fitReport([entry(2000), entry(1)], 100)).toHaveLength(1);
    expect(fitReport([], 100)).toEqual([]);
  });
});
