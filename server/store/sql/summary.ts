/**
 * @module server/store/sql/summary
 * What a host sees of itself: its credit, its volunteer's, and its results by state.
 */
import { decayed } from '../../credit/rac.ts';
import type { HostSummary } from '../types.ts';
import type { Queryable } from './db.ts';

interface CreditRow {
  total_credit: number;
  rac: number;
  rac_time: number;
}

const credit = (row: CreditRow, now: number) => ({
  total: row.total_credit,
  recentAverage: decayed({ value: row.rac, time: row.rac_time }, now),
});

export async function summarize(db: Queryable, hostId: number, now: number): Promise<HostSummary> {
  const host = await db.get<CreditRow & { volunteer_id: number }>('SELECT * FROM hosts WHERE id = ?', [hostId]);
  if (!host) throw new RangeError(`no host ${hostId}`);
  const volunteer = (await db.get<CreditRow & { name: string }>('SELECT * FROM volunteers WHERE id = ?', [
    host.volunteer_id,
  ]))!;
  const counts = (await db.get<Record<'in_progress' | 'pending' | 'valid' | 'invalid', number | null>>(
    `SELECT
        sum(CASE WHEN server_state = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
        sum(CASE WHEN outcome = 'success' AND validate_state IN ('init', 'inconclusive') THEN 1 ELSE 0 END) AS pending,
        sum(CASE WHEN validate_state = 'valid' THEN 1 ELSE 0 END) AS valid,
        sum(CASE WHEN validate_state = 'invalid' THEN 1 ELSE 0 END) AS invalid
      FROM replicas WHERE host_id = ?`,
    [hostId],
  ))!;
  return {
    hostId,
    volunteerId: host.volunteer_id,
    volunteerName: volunteer.name,
    credit: credit(host, now),
    volunteerCredit: credit(volunteer, now),
    results: {
      inProgress: Number(counts.in_progress ?? 0),
      pending: Number(counts.pending ?? 0),
      valid: Number(counts.valid ?? 0),
      invalid: Number(counts.invalid ?? 0),
    },
  };
}
