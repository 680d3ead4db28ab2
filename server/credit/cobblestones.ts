/**
 * @module server/credit/cobblestones
 * Credit in BOINC's cobblestones: 200 per GFLOPS-day, so a 1 GFLOPS device computing for a day earns 200.
 * Credit is granted from the unit's estimated FLOPs, never from what a host claims, so overclaiming gains nothing.
 */
import { COBBLESTONES_PER_GFLOPS_DAY } from '../../protocol/credit.ts';

const FLOPS_PER_GFLOPS_DAY = 1e9 * 86_400;

export function creditForFlops(flops: number): number {
  return (flops / FLOPS_PER_GFLOPS_DAY) * COBBLESTONES_PER_GFLOPS_DAY;
}
