/**
 * @module bench/training/attacks
 * What the bench's Byzantine volunteers send instead of their pseudo-gradient. They coordinate and see every honest
 * update of the round (the strongest usual model: "omniscient" colluders), except label-flip, who train honestly
 * on poisoned labels (9 − y). Each attack's update is what the wire would carry: it is quantised like any other,
 * so it passes the sanity check and can be judged only by aggregation or recomputation.
 */
import { mean } from '../../worker-kernels/training/aggregate.ts';

export const ATTACKS = [
  'none',
  'sign-flip',
  'scaled',
  'noise',
  'label-flip',
  'bit-flip',
  'alie',
  'ipm',
  'withhold',
  'screen-edge',
] as const;
export type Attack = (typeof ATTACKS)[number];

type Draw = () => number;

/**
 * What attackers that read the coordinator's code know of its loss screen (server/training/screen.ts): its validation
 * digits are the first 500 training digits, so they can train on them (`descent`: a pseudo-gradient from θ on those
 * digits, along which the validation loss falls) and run the screen's own test on any update (`passes`).
 */
export interface ScreenView {
  readonly descent: Float32Array;
  readonly passes: (update: Float32Array) => boolean;
}

/** How far screen-edge bends −μ towards the validation digits' descent, in units of |μ|: the first that passes. */
export const EDGE_BENDS = [0, 0.25, 0.5, 1, 2, 4, 8] as const;

function normal(draw: Draw): number {
  return Math.sqrt(-2 * Math.log(1 - draw())) * Math.cos(2 * Math.PI * draw());
}

/** Φ⁻¹ by bisection on erf's series-free approximation (Abramowitz–Stegun 7.1.26), enough for ALIE's z. */
function inverseNormal(p: number): number {
  const cdf = (x: number) => {
    const t = 1 / (1 + 0.3275911 * Math.abs(x / Math.SQRT2));
    const y =
      1 -
      t *
        Math.exp(-((x / Math.SQRT2) ** 2)) *
        (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
    return 0.5 * (1 + Math.sign(x) * y);
  };
  let lo = -10;
  let hi = 10;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * The Byzantine update for this round. `own` is the attacker's honest update where it has one (label-flip trains,
 * bit-flip corrupts a copy of an honest one), `honest` every honest update, n the volunteers, f the attackers.
 */
export function attackUpdate(
  attack: Attack,
  honest: Float32Array[],
  n: number,
  f: number,
  draw: Draw,
  own?: Float32Array,
  screen?: ScreenView,
) {
  const mu = mean(honest);
  switch (attack) {
    case 'sign-flip':
      return mu.map((x) => -x);
    case 'scaled':
      return mu.map((x) => -20 * x);
    case 'noise': {
      const sigma = Math.sqrt(mu.reduce((s, x) => s + x * x, 0) / mu.length) * 10;
      return mu.map(() => sigma * normal(draw));
    }
    case 'label-flip':
      return own!;
    case 'bit-flip': {
      // A copy of an honest update with the sign and exponent bits of 1% of its f32 entries flipped.
      const copy = honest[Math.floor(draw() * honest.length)]!.slice();
      const bits = new Uint32Array(copy.buffer);
      for (let i = 0; i < bits.length; i++) if (draw() < 0.01) bits[i] = bits[i]! ^ 0xc0000000;
      for (let i = 0; i < copy.length; i++) if (!Number.isFinite(copy[i]!)) copy[i] = 3.4e38;
      return copy;
    }
    case 'alie': {
      // Baruch et al. 2019: μ − z·σ per coordinate, z the largest that still looks like a majority member.
      const s = Math.floor(n / 2 + 1) - f;
      const z = inverseNormal((n - s) / n);
      const sd = mu.map((m, i) => Math.sqrt(honest.reduce((acc, u) => acc + (u[i]! - m) ** 2, 0) / honest.length));
      return mu.map((m, i) => m - z * sd[i]!);
    }
    case 'ipm':
      // Xie et al. 2020: −ε·μ, an inner product with the true direction that is negative.
      return mu.map((x) => -0.1 * x);
    case 'withhold':
      // Take the unit and send nothing: the round goes on without its shard, as if every attack were screened out.
      return undefined;
    case 'screen-edge': {
      // Sign-flip bent towards the validation digits' own descent just far enough to pass the loss screen: the most
      // harm the screen's margin lets through to attackers that know its digits. Where no bend passes, −μ, dropped.
      const flipped = mu.map((x) => -x);
      if (!screen) return flipped;
      const scale = length(mu) / (length(screen.descent) || 1);
      const bent = (bend: number) => flipped.map((x, i) => x + bend * scale * screen.descent[i]!);
      const first = EDGE_BENDS.findIndex((bend) => screen.passes(bent(bend)));
      if (first < 0) return flipped;
      if (first === 0) return bent(0);
      // Closer to the edge: halve the interval between the last bend that failed and the first that passed.
      let [fails, passes]: [number, number] = [EDGE_BENDS[first - 1]!, EDGE_BENDS[first]!];
      for (let i = 0; i < 5; i++) {
        const middle = (fails + passes) / 2;
        if (screen.passes(bent(middle))) passes = middle;
        else fails = middle;
      }
      return bent(passes);
    }
    case 'none':
      return mu;
  }
}

const length = (v: Float32Array) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));
