/**
 * @module worker-kernels/training/shards
 * Splitting the training digits among volunteers: evenly, or unevenly by class with Dirichlet(α) proportions (the
 * usual model of real volunteers' data, Hsu et al. 2019): for each class, shares p ~ Dir(α, …, α) over the shards
 * and that class's digits dealt out by them. α = 0.5 leaves most shards with two or three dominant classes. Run by
 * the coordinator (and the bench) once per job; hosts only receive their shard's indices, so this needs no
 * cross-engine determinism beyond the seed.
 */
import { mulberry32 } from '../random.ts';
import { CLASSES } from './model.ts';

type Draw = () => number;

/** A standard normal draw (Box–Muller). */
function normal(draw: Draw): number {
  return Math.sqrt(-2 * Math.log(1 - draw())) * Math.cos(2 * Math.PI * draw());
}

/** Gamma(shape, 1) by Marsaglia–Tsang, boosted for shape < 1. */
export function gamma(shape: number, draw: Draw): number {
  if (shape < 1) return gamma(shape + 1, draw) * (1 - draw()) ** (1 / shape);
  const d = shape - 1 / 3;
  const c = 1 / Math.sqrt(9 * d);
  for (;;) {
    let x: number;
    let v: number;
    do {
      x = normal(draw);
      v = 1 + c * x;
    } while (v <= 0);
    v = v * v * v;
    const u = 1 - draw();
    if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
  }
}

export function dirichlet(alpha: number, n: number, draw: Draw): number[] {
  const g = Array.from({ length: n }, () => gamma(alpha, draw));
  const sum = g.reduce((a, b) => a + b, 0);
  return g.map((x) => x / sum);
}

/**
 * Shards of the digits with these labels: `alpha` undefined deals them evenly (shuffled); else by class with
 * Dirichlet(alpha) shares. Every digit lands in exactly one shard; a shard left empty takes one digit from the
 * largest, so every volunteer has something to train on.
 */
export function makeShards(labels: Uint8Array, shards: number, seed: number, alpha?: number): Uint16Array[] {
  const draw = mulberry32(seed);
  const out: number[][] = Array.from({ length: shards }, () => []);
  const byClass: number[][] = Array.from({ length: CLASSES }, () => []);
  labels.forEach((label, i) => {
    byClass[label]!.push(i);
  });
  if (alpha === undefined) {
    const all = shuffle([...labels.keys()], draw);
    all.forEach((d, i) => {
      out[i % shards]!.push(d);
    });
  } else {
    for (const digits of byClass) {
      const shares = dirichlet(alpha, shards, draw);
      shuffle(digits, draw);
      let from = 0;
      let cumulative = 0;
      shares.forEach((share, s) => {
        cumulative += share;
        const to = s === shards - 1 ? digits.length : Math.round(cumulative * digits.length);
        out[s]!.push(...digits.slice(from, to));
        from = Math.max(from, to);
      });
    }
  }
  for (const shard of out) {
    if (shard.length > 0) continue;
    const largest = out.reduce((a, b) => (b.length > a.length ? b : a));
    shard.push(largest.pop()!);
  }
  return out.map((s) => Uint16Array.from(s));
}

function shuffle<T>(a: T[], draw: Draw): T[] {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
