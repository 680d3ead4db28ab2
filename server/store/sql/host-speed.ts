/**
 * @module server/store/sql/host-speed
 * A host's measured speed (FLOP/s, from its results' elapsed times and their units' FLOP estimates) and the
 * scheduler's use of it: fill the host's requested buffer of seconds, as BOINC's work fetch does, so a fast device
 * gets enough to stay busy offline and a slow one never more than it can finish by the deadline.
 */
import type { WorkUnitRow } from './rows.ts';
import type { Queryable } from './db.ts';

export const DEFAULT_MEMORY_MB = 256;
/** Assumed until a host has reported: a modest phone core in a browser. */
export const UNMEASURED_FLOPS = 5e8;
/** Weight of the newest measurement in the running average. */
const ALPHA = 0.2;

export async function hostSpeed(q: Queryable, hostId: number): Promise<number> {
  const row = await q.get<{ flops: number | null }>('SELECT flops FROM hosts WHERE id = ?', [hostId]);
  return row?.flops ?? UNMEASURED_FLOPS;
}

/** Folds one result's speed into the host's average; elapsed times under a millisecond say nothing and are skipped. */
export async function recordSpeed(q: Queryable, hostId: number, unitId: number, elapsedMs: number): Promise<void> {
  if (elapsedMs < 1) return;
  const unit = await q.get<{ flops_estimate: number }>('SELECT flops_estimate FROM work_units WHERE id = ?', [unitId]);
  if (!unit) return;
  const measured = unit.flops_estimate / (elapsedMs / 1000);
  await q.run(
    `UPDATE hosts SET flops = CASE WHEN flops IS NULL THEN ? ELSE flops * ? + ? END WHERE id = ?`,
    [measured, 1 - ALPHA, ALPHA * measured, hostId],
  );
}

/** The first candidates whose estimated run time reaches `seconds` at `flops`; always at least one. */
export function fillBuffer<T extends Pick<WorkUnitRow, 'flops_estimate'>>(candidates: T[], seconds: number, flops: number): T[] {
  const chosen: T[] = [];
  let planned = 0;
  for (const c of candidates) {
    if (chosen.length > 0 && planned >= seconds) break;
    chosen.push(c);
    planned += c.flops_estimate / flops;
  }
  return chosen;
}
