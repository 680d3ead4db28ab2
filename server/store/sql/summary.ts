/**
 * @module server/store/sql/summary
 * What a host sees of itself: its credit, its volunteer's (granted, pending, settled), and its results by state.
 */
import { creditForFlops } from '../../credit/cobblestones.ts';
import { decayed } from '../../credit/rac.ts';
import type { HostSummary } from '../types.ts';
import type { Queryable } from './db.ts';

interface CreditRow {
  total_credit: number;
  rac: number;
  rac_time: number;
}

const credit = (row: CreditRow, now: number) => ({
  total: Number(row.total_credit),
  recentAverage: decayed({ value: Number(row.rac), time: Number(row.rac_time) }, now),
});

/** A result waiting for its quorum: computed, reported, not yet valid or invalid. */
const PENDING = "r.outcome = 'success' AND r.validate_state IN ('init', 'inconclusive')";

export async function summarize(db: Queryable, hostId: number, now: number): Promise<HostSummary> {
  const host = await db.get<CreditRow & { volunteer_id: number }>('SELECT * FROM hosts WHERE id = ?', [hostId]);
  if (!host) throw new RangeError(`no host ${hostId}`);
  const volunteer = (await db.get<CreditRow & { name: string; settled_credit: number }>(
    'SELECT * FROM volunteers WHERE id = ?',
    [host.volunteer_id],
  ))!;
  // A pending result's unit with a replica still queued, or whose sibling replicas wait to be made (sibling_at),
  // waits for another volunteer to take it. Saying so reveals nothing a cheater could use: a unit sent as a single
  // replica (adaptive replication) is never pending.
  const counts = (await db.get<Record<'in_progress' | 'pending' | 'awaiting' | 'valid' | 'invalid', number | null>>(
    `SELECT
        sum(CASE WHEN r.server_state = 'in_progress' THEN 1 ELSE 0 END) AS in_progress,
        sum(CASE WHEN ${PENDING} THEN 1 ELSE 0 END) AS pending,
        sum(CASE WHEN ${PENDING} AND (EXISTS (SELECT 1 FROM replicas o WHERE o.work_unit_id = r.work_unit_id
          AND o.queued = 1) OR EXISTS (SELECT 1 FROM work_units u WHERE u.id = r.work_unit_id AND u.sibling_at > ?))
          THEN 1 ELSE 0 END) AS awaiting,
        sum(CASE WHEN r.validate_state = 'valid' THEN 1 ELSE 0 END) AS valid,
        sum(CASE WHEN r.validate_state = 'invalid' THEN 1 ELSE 0 END) AS invalid
      FROM replicas r WHERE r.host_id = ?`,
    [now, hostId],
  ))!;
  const pendingFlops = await db.get<{ f: number | null }>(
    `SELECT sum(u.flops_estimate) AS f FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
      WHERE r.host_id IN (SELECT id FROM hosts WHERE volunteer_id = ?) AND ${PENDING}`,
    [host.volunteer_id],
  );
  return {
    hostId,
    volunteerId: Number(host.volunteer_id),
    volunteerName: volunteer.name,
    credit: credit(host, now),
    volunteerCredit: credit(volunteer, now),
    volunteerStages: {
      pending: creditForFlops(Number(pendingFlops?.f ?? 0)),
      settled: Number(volunteer.settled_credit),
    },
    results: {
      inProgress: Number(counts.in_progress ?? 0),
      pending: Number(counts.pending ?? 0),
      awaitingVolunteer: Number(counts.awaiting ?? 0),
      valid: Number(counts.valid ?? 0),
      invalid: Number(counts.invalid ?? 0),
    },
  };
}
