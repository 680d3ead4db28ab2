/**
 * @module server/credit/rac
 * Recent average credit (RAC), BOINC's exponentially decayed credit per day with a one-week half-life
 * (update_average in BOINC's lib/util.cpp): decay e^(−ln2·Δt/half-life), then add the new credit spread over Δt.
 */

export const RAC_HALF_LIFE_S = 7 * 86_400;

export interface Average {
  /** Credit per day. */
  value: number;
  /** Epoch milliseconds of the last update; 0 when never updated. */
  time: number;
}

/** The average as it stands at `now`, with no new credit. */
export function decayed(avg: Average, now: number): number {
  if (avg.time === 0 || now <= avg.time) return avg.value;
  return avg.value * Math.exp((-(now - avg.time) / 1000) * (Math.LN2 / RAC_HALF_LIFE_S));
}

/** Adds `credit` earned at `now` to the average. */
export function addCredit(avg: Average, credit: number, now: number): Average {
  if (avg.time === 0) {
    // First credit: BOINC starts from zero and spreads the credit over a half-life.
    return { value: (credit * Math.LN2 * 86_400) / RAC_HALF_LIFE_S, time: now };
  }
  const dtS = Math.max(now - avg.time, 0) / 1000;
  const weight = Math.exp((-dtS * Math.LN2) / RAC_HALF_LIFE_S);
  const base = avg.value * weight;
  // For tiny Δt, (1 − weight)/Δt tends to ln2/half-life; use the limit to avoid dividing by ~0.
  const added = 1 - weight > 1e-6 ? (1 - weight) * (credit / dtS) : (credit * Math.LN2) / RAC_HALF_LIFE_S;
  return { value: base + added * 86_400, time: Math.max(now, avg.time) };
}
