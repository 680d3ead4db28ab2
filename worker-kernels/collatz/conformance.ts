/**
 * @module worker-kernels/collatz/conformance
 * collatz's part of the conformance spec (conformance/case.ts): ranges of every magnitude, some past one chunk of
 * the WASM driver and some near 2^53, where trajectories leave 64 bits; integers, so equality.
 */
import { CollatzInput, type CollatzOutput } from '../../protocol/collatz.ts';
import type { ConformanceCase } from '../conformance/case.ts';

export const collatzCase: ConformanceCase<CollatzInput, CollatzOutput> = {
  randomInput: (random) => {
    const magnitude = random.pick([1e3, 1e9, 1e13, 2 ** 53 - 5e4]);
    const start = 1 + Math.floor(random.next() * magnitude);
    return CollatzInput.parse({ start, count: random.int(1, 70_000) });
  },
  trials: 3,
  deviation: (_input, a, b) => ({ exact: JSON.stringify(a) === JSON.stringify(b) ? 0 : 1 }),
  bounds: {
    wasm: { exact: { most: 0, why: 'integers: the u64 variant and the reference (BigInt past 2^53) are exact' } },
  },
};
