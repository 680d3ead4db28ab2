/**
 * @module web/volunteer/estimates
 * What this device's measured speed means for the volunteer: its compute while it runs, the credit a day that
 * earns, and how long the work buffer lasts. Speed is measured per worker over the kernel's busy time, so the
 * device's rate is that times the workers times the CPU limit (each worker rests the rest of the time).
 */
import { COBBLESTONES_PER_GFLOPS_DAY } from '../../protocol/credit.ts';

/** FLOPS the device delivers while computing: per-worker speed × workers × the busy share each is allowed. */
export function deviceFlops(perWorkerFlops: number, workers: number, cpuLimitPercent: number): number {
  return perWorkerFlops * workers * (cpuLimitPercent / 100);
}

/**
 * Credit a day at a rate of `flops` while computing, if every result is validated: 200 cobblestones per
 * GFLOPS-day.
 * @example creditPerDay(1e9) // 200
 */
export function creditPerDay(flops: number): number {
  return (flops / 1e9) * COBBLESTONES_PER_GFLOPS_DAY;
}

/** Seconds of computing the buffer holds at `flops`; null until a unit has shown how big units are. */
export function bufferSeconds(units: number, typicalUnitFlops: number | null, flops: number): number | null {
  if (typicalUnitFlops === null || !(flops > 0)) return null;
  return (units * typicalUnitFlops) / flops;
}
