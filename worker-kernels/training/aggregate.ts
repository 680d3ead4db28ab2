/**
 * @module worker-kernels/training/aggregate
 * Aggregators of the volunteers' pseudo-gradients, pure functions of the updates: the mean (no defence), the
 * coordinate median, the trimmed mean, Krum, and CenteredClip (Karimireddy, He & Jaggi 2021) with bucketing
 * (Karimireddy et al. 2022), which with worker momentum (outer.ts) is the one the issue asks to hold at 30%
 * attackers on uneven shards. Every update is a Float32Array of one length; results are new arrays.
 */
import { mulberry32 } from '../random.ts';

export type Update = Float32Array;

export function mean(updates: readonly Update[]): Float32Array {
  const out = new Float64Array(updates[0]!.length);
  for (const u of updates) for (let i = 0; i < out.length; i++) out[i]! += u[i]!;
  return Float32Array.from(out, (x) => x / updates.length);
}

/** Per coordinate, the middle of the sorted values (the mean of the two middle ones for an even count). */
export function coordinateMedian(updates: readonly Update[]): Float32Array {
  return perCoordinate(updates, (sorted) => {
    const n = sorted.length;
    return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  });
}

/** Per coordinate, the mean after dropping the `trim` smallest and `trim` largest values. */
export function trimmedMean(updates: readonly Update[], trim: number): Float32Array {
  if (2 * trim >= updates.length) throw new RangeError(`cannot trim ${trim} from each end of ${updates.length}`);
  return perCoordinate(updates, (sorted) => {
    let sum = 0;
    for (let k = trim; k < sorted.length - trim; k++) sum += sorted[k]!;
    return sum / (sorted.length - 2 * trim);
  });
}

function perCoordinate(updates: readonly Update[], pick: (sorted: Float64Array) => number): Float32Array {
  const out = new Float32Array(updates[0]!.length);
  const column = new Float64Array(updates.length);
  for (let i = 0; i < out.length; i++) {
    for (let k = 0; k < updates.length; k++) column[k] = updates[k]![i]!;
    column.sort();
    out[i] = pick(column);
  }
  return out;
}

export function squaredDistance(a: Update, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
  return s;
}

/**
 * Krum (Blanchard et al. 2017): the update whose n − f − 2 nearest others are nearest in sum of squared distances,
 * for at most f attackers.
 */
export function krum(updates: readonly Update[], f: number): Float32Array {
  const n = updates.length;
  const near = Math.max(1, n - f - 2);
  const d = updates.map((a) => updates.map((b) => squaredDistance(a, b)));
  let best = 0;
  let bestScore = Infinity;
  for (let i = 0; i < n; i++) {
    const score = d[i]!.filter((_, j) => j !== i)
      .sort((x, y) => x - y)
      .slice(0, near)
      .reduce((s, x) => s + x, 0);
    if (score < bestScore) [best, bestScore] = [i, score];
  }
  return updates[best]!.slice();
}

export interface CenteredClipOptions {
  /** Where the iteration starts: the previous round's aggregate (the momentum), or zeros. */
  readonly center?: Float32Array;
  /** The clipping radius; by default the median distance of the updates from the current centre. */
  readonly radius?: number;
  /** Multiplies the median radius (not a given one): below 1 clips honest outliers too, and attackers harder. */
  readonly radiusScale?: number;
  readonly iterations?: number;
  /**
   * Updates farther than this multiple of τ from the current centre weigh nothing in that iteration, rather than
   * pulling by τ (default: none are dropped). An attacker can still stand just inside it and pull by τ, no more
   * than CenteredClip allows anyway; what it removes is the full τ pull of updates far off (a scaled update, noise,
   * flipped exponents), at the cost of an honest update as far off, which uneven shards do not produce.
   */
  readonly rejectBeyond?: number;
}

/**
 * CenteredClip: v ← v + mean_i (x_i − v)·min(1, τ/‖x_i − v‖), from the previous aggregate. An update far from the
 * centre moves it by at most τ/n, however far it lies; with τ the median distance from the current centre (unless
 * given), an attacker minority cannot set τ, and it shrinks to the honest spread as the centre converges.
 */
export function centeredClip(updates: readonly Update[], options: CenteredClipOptions = {}): Float32Array {
  const length = updates[0]!.length;
  const v = Float64Array.from(options.center ?? new Float32Array(length));
  for (let it = 0; it < (options.iterations ?? 3); it++) {
    const distances = updates.map((u) => Math.sqrt(squaredDistance(u, v)));
    // Re-measured from each new centre: as v nears the honest majority, τ shrinks to their spread.
    const tau = options.radius ?? (options.radiusScale ?? 1) * medianOf(distances);
    const step = new Float64Array(length);
    let kept = 0;
    for (const [k, u] of updates.entries()) {
      const distance = distances[k]!;
      if (options.rejectBeyond && distance > options.rejectBeyond * tau) continue;
      kept++;
      const weight = distance > tau ? tau / distance : 1;
      for (let i = 0; i < length; i++) step[i]! += (u[i]! - v[i]!) * weight;
    }
    // The mean over the updates kept (the median one always is): a rejected update is as if it were not sent.
    for (let i = 0; i < length; i++) v[i]! += step[i]! / kept;
  }
  return Float32Array.from(v);
}

/** The median of some numbers (the mean of the middle two for an even count). */
export function medianOf(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/**
 * Bucketing: the updates in a seeded random order, averaged in buckets of `size`, the buckets' means handed to the
 * aggregator. Mixing shrinks the spread between honest volunteers' non-IID updates, which robust aggregators
 * would otherwise mistake for attacks.
 */
export function bucketed(
  updates: readonly Update[],
  size: number,
  seed: number,
  aggregate: (buckets: Update[]) => Float32Array,
): Float32Array {
  const order = [...updates.keys()];
  const draw = mulberry32(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const buckets: Update[] = [];
  for (let b = 0; b < order.length; b += size) buckets.push(mean(order.slice(b, b + size).map((k) => updates[k]!)));
  return aggregate(buckets);
}
