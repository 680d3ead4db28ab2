/**
 * @module server/credit/bounded-claim
 * What a unit's valid results are credited for, in FLOPs. The coordinator's own apps are priced by their estimate,
 * which the coordinator computes from the input (worker-kernels/<app>/flops.ts). A researcher's own app is priced by
 * a figure the researcher declares, so (as BOINC's credit system bounds claims) it is credited at most what the hosts
 * were measured to spend: each valid result's elapsed time, no longer than the coordinator saw it out (sent to
 * received), times its host's speed measured on the coordinator's own apps; the least of those; and never more than
 * declared. Normalised per app version by server/credit/app-version.ts.
 */
import type { AppName } from '../../protocol/apps.ts';

export interface CreditedResult {
  elapsedMs: number | null;
  sentAt: number | null;
  receivedAt: number | null;
  /** The host's measured speed when it reported (FLOP/s), from the coordinator's own apps. */
  hostFlops: number | null;
}

/** The FLOPs one result was measured to cost: 0 where there is nothing to measure by. */
export function measuredFlops(r: CreditedResult): number {
  if (r.elapsedMs === null || r.hostFlops === null) return 0;
  const seen = r.sentAt !== null && r.receivedAt !== null ? r.receivedAt - r.sentAt : r.elapsedMs;
  return (Math.max(0, Math.min(r.elapsedMs, seen)) / 1000) * r.hostFlops;
}

/**
 * The FLOPs each of a unit's valid results is credited for. A researcher's app: its declaration times the app's
 * normalised measured share once its versions have enough units behind them (server/credit/app-version.ts), else
 * at most the least its agreeing results were measured to cost (the least, so that no host in a quorum raises
 * it by reporting a longer time).
 */
export function creditedFlops(
  app: AppName,
  declared: number,
  valid: readonly CreditedResult[],
  normalisedShare?: number,
): number {
  if (app !== 'custom') return declared;
  if (normalisedShare !== undefined) return declared * Math.min(1, normalisedShare);
  if (valid.length === 0) return 0;
  return Math.min(declared, ...valid.map(measuredFlops));
}
