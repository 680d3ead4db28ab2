/**
 * @module worker-kernels/training/outer
 * The parameter server's side of a round, pure state updates: worker momentum (each volunteer slot's pseudo-
 * gradients averaged over rounds before aggregation, which Karimireddy et al. show is what lets CenteredClip tell
 * honest variance from attack), and DiLoCo's outer optimiser, Nesterov momentum on the aggregate (the job's lr and
 * μ: 0.7 and 0.8 by default).
 */

export interface OuterOptions {
  readonly lr: number;
  readonly momentum: number;
}

/** Nesterov: m ← μm + Δ; θ ← θ − lr·(Δ + μm). θ and m are updated in place. */
export function outerStep(theta: Float32Array, m: Float32Array, delta: Float32Array, options: OuterOptions): void {
  const { lr, momentum: mu } = options;
  for (let i = 0; i < theta.length; i++) {
    m[i] = mu * m[i]! + delta[i]!;
    theta[i] = theta[i]! - lr * (delta[i]! + mu * m[i]!);
  }
}

/** Per volunteer slot, m ← β·m + (1 − β)·g: the update that slot contributes this round. */
export class WorkerMomentum {
  readonly #state = new Map<string, Float32Array>();
  readonly beta: number;
  constructor(beta: number) {
    this.beta = beta;
  }

  push(slot: string, g: Float32Array): Float32Array {
    const m = this.#state.get(slot);
    if (!m) {
      this.#state.set(slot, g.slice());
      return g.slice();
    }
    for (let i = 0; i < m.length; i++) m[i] = this.beta * m[i]! + (1 - this.beta) * g[i]!;
    return m.slice();
  }

  /** Forgets a slot (its host banned: none of its history may reach the model again). */
  drop(slot: string): void {
    this.#state.delete(slot);
  }
}
