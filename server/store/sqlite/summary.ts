/**
 * @module server/store/sqlite/summary
 * What a host sees of itself: its credit, its volunteer's, and its results by state.
 */
import type { DatabaseSync } from 'node:sqlite';
import { decayed } from '../../credit/rac.ts';
import type { HostSummary } from '../types.ts';

interface CreditRow {
  total_credit: number;
  rac: number;
  rac_time: number;
}

const credit = (row: CreditRow, now: number) => ({
  total: row.total_credit,
  recentAverage: decayed({ value: row.rac, time: row.rac_time }, now),
});

export function summarize(db: DatabaseSync, hostId: number, now: number): HostSummary {
  const host = db.prepare('SELECT * FROM hosts WHERE id = ?').get(hostId) as (CreditRow & { volunteer_id: number }) | undefined;
  if (!host) throw new RangeError(`no host ${hostId}`);
  const volunteer = db.prepare('SELECT * FROM volunteers WHERE id = ?').get(host.volunteer_id) as unknown as CreditRow & { name: string };
  const counts = db
    .prepare(`SELECT
        sum(server_state = 'in_progress') AS in_progress,
        sum(outcome = 'success' AND validate_state IN ('init', 'inconclusive')) AS pending,
        sum(validate_state = 'valid') AS valid,
        sum(validate_state = 'invalid') AS invalid
      FROM replicas WHERE host_id = ?`)
    .get(hostId) as Record<'in_progress' | 'pending' | 'valid' | 'invalid', number | null>;
  return {
    hostId,
    volunteerId: host.volunteer_id,
    volunteerName: volunteer.name,
    credit: credit(host, now),
    volunteerCredit: credit(volunteer, now),
    results: {
      inProgress: counts.in_progress ?? 0,
      pending: counts.pending ?? 0,
      valid: counts.valid ?? 0,
      invalid: counts.invalid ?? 0,
    },
  };
}
