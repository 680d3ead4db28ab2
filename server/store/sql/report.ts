/**
 * @module server/store/sql/report
 * Accepting a host's batch of results: each only from the host it was sent to, once, while its unit is undecided
 * (late ones too, as BOINC accepts them). A few statements per report whatever its size; everything is committed
 * before the caller acknowledges.
 */
import type { Host, RecordOutcome, ResultToRecord } from '../types.ts';
import { bulkUpdate, inList } from './bulk.ts';
import type { Db, Queryable } from './db.ts';
import { foldSpeeds } from './host-speed.ts';
import { recordTrustEvents } from './trust-events.ts';

interface ReportedReplica {
  id: number;
  work_unit_id: number;
  host_id: number | null;
  outcome: string | null;
  app: string;
  canonical_replica_id: number | null;
  state: string;
  flops_estimate: number;
}

export function recordResults(db: Db, host: Host, results: readonly ResultToRecord[], now: number): Promise<RecordOutcome[]> {
  if (results.length === 0) return Promise.resolve([]);
  return db.transaction(async (q) => {
    const ids = results.map((r) => r.replicaId);
    await lockUnitsOf(db, q, ids);
    const rows = new Map(
      (await q.all<ReportedReplica>(
        `SELECT r.id, r.work_unit_id, r.host_id, r.outcome, r.app, u.canonical_replica_id, u.state, u.flops_estimate
          FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE r.id IN ${inList(ids.length)}${db.forUpdate ? ' FOR UPDATE OF r' : ''}`,
        ids,
      )).map((row) => [Number(row.id), row]),
    );
    const taken = new Set<number>();
    const accepted: Array<{ r: ResultToRecord; row: ReportedReplica }> = [];
    const outcomes: RecordOutcome[] = results.map((r) => {
      const row = rows.get(r.replicaId);
      const error = taken.has(r.replicaId) ? `replica ${r.replicaId} was already reported` : refusal(row, host, r);
      if (error || !row) return { replicaId: r.replicaId, ok: false, error: error ?? 'unknown replica' };
      taken.add(r.replicaId);
      accepted.push({ r, row });
      return { replicaId: r.replicaId, ok: true };
    });
    await store(db, q, host, accepted, now);
    return outcomes;
  });
}

async function store(db: Db, q: Queryable, host: Host, accepted: Array<{ r: ResultToRecord; row: ReportedReplica }>, now: number) {
  type Of<S> = { r: Extract<ResultToRecord, { status: S }>; row: ReportedReplica };
  const successes = accepted.filter((a): a is Of<'success'> => a.r.status === 'success');
  const errors = accepted.filter((a): a is Of<'error'> => a.r.status === 'error');
  await bulkUpdate(q, db.dialect, {
    table: 'replicas',
    key: { id: 'bigint' },
    columns: { server_state: 'text', outcome: 'text', received_at: 'bigint', result: 'text', variant: 'text', elapsed_ms: 'double' },
  }, successes.map(({ r }) => [r.replicaId, 'over', 'success', now, JSON.stringify(r.result.output), r.variant, r.elapsedMs]));
  await bulkUpdate(q, db.dialect, {
    table: 'replicas',
    key: { id: 'bigint' },
    columns: { server_state: 'text', outcome: 'text', received_at: 'bigint', elapsed_ms: 'double', error: 'text' },
  }, errors.map(({ r }) => [r.replicaId, 'over', 'client_error', now, r.elapsedMs, `${r.error.name}: ${r.error.message}`]));

  const speed = foldSpeeds(successes.map(({ r, row }) => ({ flops: row.flops_estimate, elapsedMs: r.elapsedMs })));
  if (speed) {
    await q.run('UPDATE hosts SET flops = CASE WHEN flops IS NULL THEN ? ELSE flops * ? + ? END WHERE id = ?',
      [speed.first, speed.keep, speed.add, host.id]);
  }
  await recordTrustEvents(q, db.dialect, errors.map(({ row }) => ({ hostId: host.id, app: row.app, event: 'error' as const })));

  // A success goes straight to the validator once the unit has enough of them; an error to the transitioner, which
  // decides whether to reissue or fail the unit.
  const validate = [...new Set(successes.map(({ row }) => row.work_unit_id))];
  if (validate.length > 0) {
    await q.run(
      `UPDATE work_units SET need_validate = 1 WHERE id IN ${inList(validate.length)} AND min_quorum <= (SELECT count(*)
        FROM replicas WHERE work_unit_id = work_units.id AND outcome = 'success' AND validate_state <> 'invalid')`,
      validate,
    );
  }
  const transition = [...new Set(errors.map(({ row }) => row.work_unit_id))];
  if (transition.length > 0) await q.run(`UPDATE work_units SET transition_at = ? WHERE id IN ${inList(transition.length)}`, [now, ...transition]);
}

/**
 * On Postgres, locks the work units of these replicas, in id order (so two reporters cannot deadlock), before any
 * result is counted: two replicas of one unit reported at once through two processes then see each other's
 * result, and the second one flags the unit for validation. SQLite's transactions are serial already.
 */
async function lockUnitsOf(db: Db, q: Queryable, replicaIds: number[]): Promise<void> {
  if (!db.forUpdate) return;
  await q.all(
    `SELECT id FROM work_units WHERE id IN (SELECT work_unit_id FROM replicas WHERE id IN ${inList(replicaIds.length)}) ORDER BY id FOR UPDATE`,
    replicaIds,
  );
}

/** Why a reported result cannot be accepted, or undefined when it can. */
function refusal(row: ReportedReplica | undefined, host: Host, r: ResultToRecord): string | undefined {
  if (!row || row.host_id !== host.id) return `replica ${r.replicaId} was not sent to this host`;
  if (r.status === 'success' && row.app !== r.result.app) return `replica ${r.replicaId} is of app ${row.app}, not ${r.result.app}`;
  if (row.outcome === 'success' || row.outcome === 'client_error') return `replica ${r.replicaId} was already reported`;
  if (row.outcome === 'didnt_need') return `replica ${r.replicaId} is no longer needed`;
  // A replica past its deadline (no_reply) still counts while its unit is undecided, as BOINC accepts late results.
  if (row.canonical_replica_id !== null || row.state !== 'active') {
    return `replica ${r.replicaId} arrived after its work unit was decided`;
  }
  return undefined;
}
