/**
 * @module server/credit/bounded-claim
 * What a unit's valid results are credited for, in FLOPs. The coordinator's own apps are priced by their estimate,
 * which the coordinator computes from the input (worker-kernels/<app>/flops.ts). A researcher's own app is priced by
 * a figure the researcher declares, so (as BOINC's credit system bounds claims) it is credited at most what the hosts
 * were measured to spend: each valid result's elapsed time, no longer than the coordinator saw it out (sent to
 * received), times its host's speed measured on the coordinator's own apps; the median of those, so that neither one
 * slow host nor one inflated time sets it; and never more than declared.
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

function median(values: number[]): number {
  const sorted = values.slice().sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The FLOPs each of a unit's valid results is credited for. */
export function creditedFlops(app: AppName, declared: number, valid: readonly CreditedResult[]): number {
  if (app !== 'custom') return declared;
  if (valid.length === 0) return 0;
  return Math.min(declared, median(valid.map(measuredFlops)));
}
