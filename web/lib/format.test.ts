import { describe, expect, test } from 'vitest';
import { formatCredit, formatDuration, formatEstimate, formatFlops, formatRelative } from './format.ts';
import { unitName } from './unit-name.ts';

describe('format', () => {
  test('default: credit keeps three significant digits below one, two decimals above', () => {
    expect(formatCredit(0.0040213)).toBe('0.00402');
    expect(formatCredit(0)).toBe('0');
    expect(formatCredit(1234.567)).toBe('1,234.57');
  });

  test('behavior: estimates keep three significant digits at every size', () => {
    expect(formatEstimate(139.25)).toBe('139');
    expect(formatEstimate(0.0040213)).toBe('0.00402');
  });

  test('behavior: durations in their two largest units', () => {
    expect(formatDuration(3.4)).toBe('3 s');
    expect(formatDuration(150)).toBe('2 min 30 s');
    expect(formatDuration(120)).toBe('2 min');
    expect(formatDuration(1800)).toBe('30 min');
    expect(formatDuration(7500)).toBe('2 h 5 min');
    expect(formatDuration(3 * 86_400 + 4 * 3600)).toBe('3 days 4 h');
    expect(formatDuration(0.2)).toBe('under 1 s');
  });

  test('behavior: moments relative to now, past and future', () => {
    const now = 1_000_000_000;
    expect(formatRelative(now - 10_000, now)).toBe('just now');
    expect(formatRelative(now - 180_000, now)).toBe('3 min ago');
    expect(formatRelative(now + 2 * 3_600_000, now)).toBe('in 2 h');
    expect(formatRelative(now - 86_400_000, now)).toBe('1 day ago');
    expect(formatRelative(now + 3_599_000, now)).toBe('in 1 h');
    expect(formatRelative(now + 23.9 * 3_600_000, now)).toBe('in 1 day');
  });

  test('behavior: speeds with their SI prefix', () => {
    expect(formatFlops(1.234e9)).toBe('1.23 GFLOPS');
    expect(formatFlops(950)).toBe('950 FLOPS');
  });

  test('behavior: an amount of work, and a unit named by what it is (a host has no number of it)', () => {
    expect(formatFlops(7.73e8, 'FLOP')).toBe('773 MFLOP');
    expect(unitName({ app: 'signal-search', customApp: null, flopsEstimate: 2.1e9 })).toBe(
      'signal-search unit of 2.1 GFLOP',
    );
    expect(unitName({ app: 'custom', customApp: 'digits', flopsEstimate: 5e3 })).toBe('digits unit of 5 kFLOP');
  });
});
