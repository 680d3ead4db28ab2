import { describe, expect, test } from 'vitest';
import { denseSeries } from './throughput-series.ts';

describe('denseSeries', () => {
  test('default: quiet buckets between validated ones, and since the last one, are drawn at 0', () => {
    const sent: Array<[number, number]> = [
      [10_000, 2],
      [13_000, 1],
      [14_000, 4],
    ];
    expect(denseSeries(sent, 1000, 16_500)).toEqual([
      [10_000, 2],
      [11_000, 0],
      [12_000, 0],
      [13_000, 1],
      [14_000, 4],
      [15_000, 0],
      [16_000, 0],
    ]);
  });

  test('behavior: nothing validated yet is drawn as nothing', () => {
    expect(denseSeries([], 1000, 5000)).toEqual([]);
  });

  test('behavior: a clock behind the last bucket does not cut it off', () => {
    expect(denseSeries([[5000, 3]], 1000, 4000)).toEqual([[5000, 3]]);
  });

  test('behavior: a span of more buckets than a chart can show is left as sent', () => {
    const sparse: Array<[number, number]> = [
      [0, 1],
      [1e9, 1],
    ];
    expect(denseSeries(sparse, 1000, 1e9)).toEqual(sparse);
  });
});
