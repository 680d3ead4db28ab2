/**
 * @module server/training/aggregate
 * The robust aggregate of a round's pseudo-gradients, the one the trainer applies.
 */

/** The coordinate-wise mean of equally long vectors. */
export function aggregateUpdates(deltas: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(deltas[0]!.length);
  for (const d of deltas) for (let i = 0; i < out.length; i++) out[i]! += d[i]! / deltas.length;
  return out;
}
