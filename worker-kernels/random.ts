/**
 * @module worker-kernels/random
 * Terraflop's one seeded generator, mulberry32: small, fast, well mixed, and the same sequence on every engine, so
 * every host expands a unit's seed into the same data (a signal's noise, a matmul's matrices), and every test draws
 * its random inputs from it (testing/test-random.ts), reproducibly from a printed seed.
 */

/** A uniform draw in [0, 1). */
export type Draw = () => number;

/**
 * mulberry32 (Tommy Ettinger's): 32 bits of state, period 2^32.
 * @example const random = mulberry32(7); random(); // 0.7669…
 */
export function mulberry32(seed: number): Draw {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A 32-bit seed derived from a seed and a label (FNV-1a over the label, mixed with the seed), for named streams. */
export function deriveSeed(seed: number, label: string): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0;
  return Math.floor(mulberry32(h)() * 2 ** 32);
}

/** The draws a test needs, over one mulberry32 stream. */
export class Random {
  readonly seed: number;
  readonly next: Draw;
  constructor(seed: number) {
    this.seed = seed >>> 0;
    this.next = mulberry32(this.seed);
  }
  /** An integer in [min, max). */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min));
  }
  /** A number in [min, max). */
  uniform(min: number, max: number): number {
    return min + this.next() * (max - min);
  }
  /** A 32-bit unsigned integer, e.g. a unit's seed. */
  u32(): number {
    return Math.floor(this.next() * 2 ** 32);
  }
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('pick: no items');
    return items[this.int(0, items.length)]!;
  }
}
