/**
 * @module server/store/sql/host-speed
 * A host's measured speed (FLOP/s, from its results' elapsed times and their units' FLOP estimates), which the
 * scheduler uses to fill the host's requested buffer of seconds, as BOINC's work fetch does, so a fast device gets
 * enough to stay busy offline and a slow one never more than it can finish by the deadline.
 */
export const DEFAULT_MEMORY_MB = 256;
/** Assumed until a host has reported: a modest phone core in a browser. */
export const UNMEASURED_FLOPS = 5e8;
/** Weight of the newest measurement in the running average. */
const ALPHA = 0.2;

/**
 * Folds a report's results into the host's running average, as if one after another, in one update:
 * `flops = flops * keep + add`, or `first` for a host's first measurements. Elapsed times under a millisecond say
 * nothing and are skipped; undefined when nothing is left.
 */
export function foldSpeeds(
  results: readonly { flops: number; elapsedMs: number }[],
): { first: number; keep: number; add: number } | undefined {
  const measured = results.filter((r) => r.elapsedMs >= 1).map((r) => r.flops / (r.elapsedMs / 1000));
  if (measured.length === 0) return undefined;
  let keep = 1;
  let add = 0;
  for (const m of measured) {
    keep *= 1 - ALPHA;
    add = add * (1 - ALPHA) + ALPHA * m;
  }
  // Starting from the first measurement itself: it stands for the running average, and the rest fold into it.
  const first = measured.slice(1).reduce((avg, m) => avg * (1 - ALPHA) + ALPHA * m, measured[0]!);
  return { first, keep, add };
}
