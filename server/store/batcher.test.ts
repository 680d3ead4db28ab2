import { describe, expect, test } from 'vitest';
import { Batcher } from './batcher.ts';

describe('Batcher', () => {
  test('default: calls made in one turn run as one batch, each caller getting its own answer', async () => {
    const batches: number[][] = [];
    const batcher = new Batcher<number, number>(async (xs) => {
      batches.push(xs);
      return xs.map((x) => x * 10);
    });
    expect(await Promise.all([batcher.call(1), batcher.call(2), batcher.call(3)])).toEqual([10, 20, 30]);
    expect(batches).toEqual([[1, 2, 3]]);
  });

  test('behavior: calls made while a batch runs wait for it and form the next batch', async () => {
    const batches: number[][] = [];
    let release = () => {};
    const batcher = new Batcher<number, number>(async (xs) => {
      batches.push(xs);
      if (batches.length === 1) await new Promise<void>((r) => (release = r));
      return xs;
    });
    const first = batcher.call(1);
    await new Promise((r) => setImmediate(r));
    const later = [batcher.call(2), batcher.call(3)];
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...later])).toEqual([1, 2, 3]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  test('error: a failing batch is run again call by call, so only the bad call fails', async () => {
    const batches: string[][] = [];
    const batcher = new Batcher<string, string>(async (xs) => {
      batches.push(xs);
      if (xs.includes('bad')) throw new Error('bad input in batch');
      return xs.map((x) => x.toUpperCase());
    });
    const results = await Promise.allSettled(['a', 'bad', 'c'].map((x) => batcher.call(x)));
    expect(results).toEqual([
      { status: 'fulfilled', value: 'A' },
      { status: 'rejected', reason: new Error('bad input in batch') },
      { status: 'fulfilled', value: 'C' },
    ]);
    expect(batches).toEqual([['a', 'bad', 'c'], ['a'], ['bad'], ['c']]);
  });

  test('edge: a batch holds at most maxBatch calls', async () => {
    const sizes: number[] = [];
    const batcher = new Batcher<number, number>(
      async (xs) => {
        sizes.push(xs.length);
        return xs;
      },
      { maxBatch: 2 },
    );
    await Promise.all([1, 2, 3, 4, 5].map((x) => batcher.call(x)));
    expect(sizes).toEqual([2, 2, 1]);
  });
});
