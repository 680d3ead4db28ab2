/**
 * @module worker-kernels/collatz/trajectory
 * One start's trajectory, exactly: its total stopping time, and its hash (protocol/collatz.ts says why a result
 * carries it): a 32-bit chain seeded by the start that mixes in every odd value above 1, in order, as its low and
 * high 32-bit words. In doubles while 3n+1 stays below 2^53, in BigInt beyond (words of n mod 2^64 there, as the
 * u64 variant sees them). assembly/index.ts and bench/collatz.c mix the same way.
 */

/** Largest odd n for which 3n+1 is still an exact double. */
const SAFE_ODD = Math.floor((Number.MAX_SAFE_INTEGER - 1) / 3);
const WORD = 2 ** 32;

/** The chain's start value. */
export const HASH_SEED = 0x811c9dc5;

/** One link of the chain: mixes the words of a value into h (multiplies and shifts mod 2^32). */
export function mix(h: number, lo: number, hi: number): number {
  h = Math.imul(h ^ lo, 0x9e3779b1);
  h ^= h >>> 15;
  h = Math.imul(h ^ hi, 0x85ebca77);
  return (h ^ (h >>> 13)) >>> 0;
}

/** mix for an integer below 2^53. */
const mixNumber = (h: number, n: number) => mix(h, n >>> 0, (n / WORD) >>> 0);

export interface Trajectory {
  steps: number;
  hash: number;
}

function bigTrajectory(n: bigint, steps: number, hash: number): Trajectory {
  while (n !== 1n) {
    if (n & 1n) {
      hash = mix(hash, Number(n & 0xffffffffn), Number((n >> 32n) & 0xffffffffn));
      n = 3n * n + 1n;
    } else {
      n >>= 1n;
    }
    steps++;
  }
  return { steps, hash };
}

/** The trajectory of `start` ≥ 1: collatzTrajectory(27).steps = 111. */
export function collatzTrajectory(start: number): Trajectory {
  let n = start,
    steps = 0,
    hash = mixNumber(HASH_SEED, start);
  while (n !== 1) {
    if (n % 2 === 0) n /= 2;
    else if (n <= SAFE_ODD) {
      hash = mixNumber(hash, n);
      n = 3 * n + 1;
    } else return bigTrajectory(BigInt(n), steps, hash);
    steps++;
  }
  return { steps, hash };
}

/** Total stopping time of `start` ≥ 1: collatzSteps(1) = 0, collatzSteps(27) = 111. */
export const collatzSteps = (start: number) => collatzTrajectory(start).steps;
