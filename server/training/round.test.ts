/** The trainer's pure decisions about a round: when it closes, which units are checked, in what order they go out. */
import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../worker-kernels/random.ts';
import { decideRound, quorumOf, shuffledUnits } from './round.ts';

describe('round decisions', () => {
  test('default: a round closes when every unit reported, or at its deadline with a quorum', () => {
    const at = { now: 10, deadline: 20, quorum: 0.6 };
    expect(decideRound({ units: 3, reported: 3 }, at)).toBe('close');
    expect(decideRound({ units: 3, reported: 2 }, at)).toBe('wait');
    expect(decideRound({ units: 3, reported: 2 }, { ...at, now: 20 })).toBe('close');
    expect(decideRound({ units: 3, reported: 1 }, { ...at, now: 20 })).toBe('wait');
    expect(quorumOf(3, 0.6)).toBe(2);
  });

  test('behavior: dealt again, a round closes at its deadline on what it has, below the quorum too', () => {
    const at = { now: 20, deadline: 20, quorum: 0.6, dealtAgain: true };
    expect(decideRound({ units: 5, reported: 1 }, at)).toBe('close');
    expect(decideRound({ units: 5, reported: 0 }, at)).toBe('close');
    expect(decideRound({ units: 5, reported: 4 }, { ...at, now: 19 })).toBe('wait');
    expect(decideRound({ units: 5, reported: 5 }, { ...at, now: 19 })).toBe('close');
  });

  test('behavior: a round whose units all failed is due at its deadline, not waiting for a quorum forever', () => {
    const at = { now: 19, deadline: 20, quorum: 0.5 };
    expect(decideRound({ units: 0, reported: 0 }, at)).toBe('wait');
    expect(decideRound({ units: 0, reported: 0 }, { ...at, now: 20 })).toBe('close');
  });

  test('behavior: units go out in a fresh order each round, so no one can keep taking the same shards', () => {
    const units = ['shard 0', 'shard 1', 'shard 2', 'shard 3'];
    const random = mulberry32(20);
    const first = new Map<string, number>();
    for (let round = 0; round < 400; round++) {
      const order = shuffledUnits(units, random);
      expect([...order].sort()).toEqual(units);
      first.set(order[0]!, (first.get(order[0]!) ?? 0) + 1);
    }
    // Each shard leads about a quarter of the rounds (100 ± 30: 3.5 standard deviations of the binomial).
    for (const shard of units) expect(Math.abs((first.get(shard) ?? 0) - 100)).toBeLessThan(30);
    expect(units).toEqual(['shard 0', 'shard 1', 'shard 2', 'shard 3']);
  });
});
