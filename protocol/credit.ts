/**
 * @module protocol/credit
 * Credit's unit, shared by the coordinator that grants it and the pages that explain it: BOINC's cobblestone, 1/200
 * of a GFLOPS-day, so a device computing at 1 GFLOPS for a day earns 200.
 */
export const COBBLESTONES_PER_GFLOPS_DAY = 200;
