import { describe, expect, test } from 'vitest';
import { checkSet } from './quorum.ts';

const exact = (a: number, b: number): 'match' | 'mismatch' => (a === b ? 'match' : 'mismatch');

describe('checkSet', () => {
  test('default: two agreeing results of quorum 2 are canonical and valid', () => {
    const d = checkSet([7, 7], 2, exact);
    expect(d).toEqual({ kind: 'canonical', canonical: 7, valid: [7, 7], invalid: [] });
  });

  test('behavior: a disagreeing pair is inconclusive', () => {
    expect(checkSet([7, 8], 2, exact)).toEqual({ kind: 'inconclusive' });
  });

  test('behavior: a third result settles a disagreement and the odd one is invalid', () => {
    const d = checkSet([8, 7, 7], 2, exact);
    expect(d.kind).toBe('canonical');
    if (d.kind === 'canonical') {
      expect(d.canonical).toBe(7);
      expect(d.invalid).toEqual([8]);
    }
  });

  test('behavior: fewer results than the quorum decide nothing', () => {
    expect(checkSet([7], 2, exact)).toEqual({ kind: 'too-few' });
  });

  test('behavior: quorum 1 accepts a single result', () => {
    expect(checkSet([3], 1, exact).kind).toBe('canonical');
  });
});
