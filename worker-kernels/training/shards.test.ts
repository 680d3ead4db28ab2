/**
 * The shards: every training digit in exactly one, every shard non-empty, and Dirichlet(0.5) shares uneven by class.
 */
import { describe, expect, test } from 'vitest';
import { makeShards } from './shards.ts';

const labels = Uint8Array.from({ length: 8000 }, (_, i) => (i * 7) % 10);

function classShares(shard: Uint16Array): number[] {
  const counts = new Array(10).fill(0);
  for (const d of shard) counts[labels[d]!]++;
  return counts.map((c) => c / shard.length);
}

describe('shards', () => {
  test.each([undefined, 0.5])('default: alpha %s deals every digit once, every shard non-empty', (alpha) => {
    const shards = makeShards(labels, 10, 3, alpha);
    const all = shards.flatMap((s) => Array.from(s)).sort((a, b) => a - b);
    expect(all).toEqual([...labels.keys()]);
    for (const s of shards) expect(s.length).toBeGreaterThan(0);
    expect(makeShards(labels, 10, 3, alpha)).toEqual(shards);
  });

  test('behavior: Dirichlet(0.5) shards are dominated by few classes, even ones are not', () => {
    const topShare = (alpha?: number) => makeShards(labels, 10, 3, alpha).map((s) => Math.max(...classShares(s)));
    const uneven = topShare(0.5);
    const even = topShare(undefined);
    expect(Math.max(...even)).toBeLessThan(0.15);
    expect(uneven.reduce((a, b) => a + b, 0) / uneven.length).toBeGreaterThan(0.25);
  });
});
