// @module worker-kernels/collatz/assembly
// Collatz search over a range of starts in WebAssembly, in u64 (the same algorithm as bench/collatz.c): runs of
// halvings are taken at once with a count of trailing zeros, and every odd value above 1 is mixed into the start's
// trajectory hash (worker-kernels/collatz/trajectory.ts, whose mix this is). A trajectory that would overflow 2^64
// is not guessed at: its start is listed for the driver to finish exactly in BigInt.

// (2^64 - 2) / 3: the largest odd n whose 3n + 1 fits in a u64.
const LIMIT: u64 = 6148914691236517204;
const HASH_SEED: u32 = 0x811c9dc5;

export let maxSteps: i32 = -1;
export let argMax: f64 = 0;
export let totalSteps: f64 = 0;
/** Σ of the hashes of the starts searched, mod 2^32 (read as i32: the driver takes it unsigned). */
export let digest: u32 = 0;
export let overflowCount: i32 = 0;

/** The hash of the last trajectory that steps() finished. */
let hash: u32 = 0;

export function alloc(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

// @ts-ignore: decorator
@inline function mix(h: u32, v: u64): u32 {
  h = (h ^ <u32>v) * 0x9e3779b1;
  h ^= h >>> 15;
  h = (h ^ <u32>(v >> 32)) * 0x85ebca77;
  return h ^ (h >>> 13);
}

/** Steps of start to 1, its hash left in `hash`; or -1 where the trajectory leaves u64. */
function steps(start: u64): i32 {
  let n = start;
  let s: i32 = 0;
  let h = mix(HASH_SEED, start);
  while (true) {
    const zeros = <i32>ctz(n);
    n >>= <u64>zeros;
    s += zeros;
    if (n == 1) {
      hash = h;
      return s;
    }
    if (n > LIMIT) return -1;
    h = mix(h, n);
    // 3n + 1 written as 2n + (n + 1): V8 turns this into one lea [n + 2n + 1]; from `3 * n + 1` (an i64.mul by 3
    // and an add) it emits a lea and a separate add, a cycle more on the chain from one odd value to the next
    // (the trajectory core without the hash ran at 0.63 of gcc's build that way, 0.87 this way; docs/performance.md).
    n = (n << 1) + (n + 1);
    s++;
  }
}

/**
 * Searches starts [start, start + count) (start ≥ 1, exact in f64), folding into the exported totals; starts
 * that overflow are written as f64 to `overflow`, at most `room` of them (overflowCount counts all).
 */
export function search(start: f64, count: i32, overflow: usize, room: i32): void {
  maxSteps = -1;
  totalSteps = 0;
  digest = 0;
  overflowCount = 0;
  let total: u64 = 0;
  let sum: u32 = 0;
  const first = <u64>start;
  for (let i: i32 = 0; i < count; i++) {
    const n = first + <u64>i;
    const s = steps(n);
    if (s < 0) {
      if (overflowCount < room) store<f64>(overflow + ((<usize>overflowCount) << 3), <f64>n);
      overflowCount++;
      continue;
    }
    total += <u64>s;
    sum += hash;
    if (s > maxSteps) {
      maxSteps = s;
      argMax = <f64>n;
    }
  }
  totalSteps = <f64>total;
  digest = sum;
}
