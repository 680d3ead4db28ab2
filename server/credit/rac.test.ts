import { describe, expect, test } from 'vitest';
import { addCredit, decayed, RAC_HALF_LIFE_S } from './rac.ts';
import { creditForFlops } from './cobblestones.ts';

describe('recent average credit', () => {
  test('default: halves after one half-life without credit', () => {
    const avg = { value: 100, time: 1_000 };
    expect(decayed(avg, 1_000 + RAC_HALF_LIFE_S * 1000)).toBeCloseTo(50, 9);
  });

  test('behavior: steady credit converges to the daily rate', () => {
    let avg = { value: 0, time: 0 };
    const hour = 3_600_000;
    // 10 credit an hour for ten weeks: RAC tends to 240 a day.
    for (let t = 1; t <= 24 * 70; t++) avg = addCredit(avg, 10, t * hour);
    expect(avg.value).toBeGreaterThan(235);
    expect(avg.value).toBeLessThan(245);
  });

  test('behavior: many updates within a millisecond do not blow up', () => {
    let avg = addCredit({ value: 0, time: 0 }, 1, 5_000);
    for (let i = 0; i < 1000; i++) avg = addCredit(avg, 1, 5_000);
    expect(Number.isFinite(avg.value)).toBe(true);
    expect(avg.value).toBeGreaterThan(0);
  });
});

describe('cobblestones', () => {
  test('default: a GFLOPS-day is 200 credit', () => {
    expect(creditForFlops(1e9 * 86_400)).toBeCloseTo(200, 9);
  });
});
