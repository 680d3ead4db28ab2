/**
 * @module server/store/sql/sql-store
 * The Store over SQL, one implementation for SQLite and Postgres (server/store/sql/db.ts adapts each). Every method
 * is one transaction; a result is committed before recordResults returns, so an acknowledged result survives a
 * crash of the process (and, with SQLite's synchronous=FULL or Postgres's default, of the machine).
 */
import { addCredit } from '../../credit/rac.ts';
import type { Store, UnitQueue } from '../store.ts';
import type {
  AppName,
  Host,
  HostSummary,
  IssuedReplica,
  NewWorkUnit,
  RecordOutcome,
  ResultToRecord,
  UnitChanges,
  UnitWithReplicas,
} from '../types.ts';
import type { Db, Queryable } from './db.ts';
import { toReplica, toWorkUnit, type ReplicaRow, type WorkUnitRow } from './rows.ts';
import { summarize } from './summary.ts';
import { applyUnitChanges } from './unit-changes.ts';

export class SqlStore implements Store {
  readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  createHost({ volunteerName, platform, tokenHash, now }: Parameters<Store['createHost']>[0]): Promise<Host> {
    return this.db.transaction(async (q) => {
      const volunteer = (await q.get<{ id: number }>(
        'INSERT INTO volunteers (name, created_at) VALUES (?, ?) RETURNING id',
        [volunteerName ?? '', now],
      ))!;
      if (!volunteerName) await q.run('UPDATE volunteers SET name = ? WHERE id = ?', [`Volunteer ${volunteer.id}`, volunteer.id]);
      const host = (await q.get<{ id: number }>(
        'INSERT INTO hosts (volunteer_id, token_hash, platform, created_at) VALUES (?, ?, ?, ?) RETURNING id',
        [volunteer.id, tokenHash, platform ?? null, now],
      ))!;
      return { id: host.id, volunteerId: volunteer.id };
    });
  }

  async findHostByTokenHash(tokenHash: string): Promise<Host | undefined> {
    const row = await this.db.get<{ id: number; volunteer_id: number }>(
      'SELECT id, volunteer_id FROM hosts WHERE token_hash = ?',
      [tokenHash],
    );
    return row && { id: row.id, volunteerId: row.volunteer_id };
  }

  hostSummary(hostId: number, now: number): Promise<HostSummary> {
    return summarize(this.db, hostId, now);
  }

  createBatch({ app, name, units, now }: { app: AppName; name: string; units: NewWorkUnit[]; now: number }) {
    return this.db.transaction(async (q) => {
      const batch = (await q.get<{ id: number }>('INSERT INTO batches (app, name, created_at) VALUES (?, ?, ?) RETURNING id', [
        app,
        name,
        now,
      ]))!;
      for (const u of units) {
        const { id } = (await q.get<{ id: number }>(
          `INSERT INTO work_units (batch_id, app, input, flops_estimate, min_quorum, target_nresults, max_error_results,
            max_total_results, delay_bound_s, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [batch.id, app, JSON.stringify(u.job.input), u.flopsEstimate, u.minQuorum, u.targetNresults,
            u.maxErrorResults, u.maxTotalResults, u.delayBoundS, now],
        ))!;
        for (let i = 0; i < u.targetNresults; i++) await q.run('INSERT INTO replicas (work_unit_id, app) VALUES (?, ?)', [id, app]);
      }
      return batch.id;
    });
  }

  async countUnsent(app: AppName): Promise<number> {
    const row = await this.db.get<{ n: number }>(
      "SELECT count(*) AS n FROM replicas WHERE app = ? AND server_state = 'unsent'",
      [app],
    );
    return row?.n ?? 0;
  }

  issueReplicas(host: Host, max: number, now: number): Promise<IssuedReplica[]> {
    return this.db.transaction(async (q) => {
      // Oldest unsent replicas of units this volunteer holds no replica of. One unit may have several unsent
      // replicas, so take extra candidates and keep one per unit. On Postgres, rows another coordinator process is
      // issuing right now are skipped, not waited for, and never issued twice.
      const candidates = await q.all<{ id: number; work_unit_id: number }>(
        `SELECT r.id, r.work_unit_id FROM replicas r WHERE r.server_state = 'unsent'
          AND NOT EXISTS (SELECT 1 FROM replicas o WHERE o.volunteer_id = ? AND o.work_unit_id = r.work_unit_id)
          ORDER BY r.id LIMIT ?${this.db.forUpdateSkipLocked}`,
        [host.volunteerId, max * 4],
      );
      const seen = new Set<number>();
      const chosen = candidates.filter((c) => !seen.has(c.work_unit_id) && seen.add(c.work_unit_id)).slice(0, max);
      const issued: IssuedReplica[] = [];
      for (const c of chosen) {
        const unit = toWorkUnit((await q.get<WorkUnitRow>('SELECT * FROM work_units WHERE id = ?', [c.work_unit_id]))!);
        const deadline = now + unit.delayBoundS * 1000;
        await q.run(
          `UPDATE replicas SET server_state = 'in_progress', host_id = ?, volunteer_id = ?, sent_at = ?, deadline = ?
            WHERE id = ?`,
          [host.id, host.volunteerId, now, deadline, c.id],
        );
        await q.run(
          'UPDATE work_units SET transition_at = CASE WHEN transition_at IS NULL OR transition_at > ? THEN ? ELSE transition_at END WHERE id = ?',
          [deadline, deadline, unit.id],
        );
        issued.push({ replicaId: c.id, workUnitId: unit.id, deadline, flopsEstimate: unit.flopsEstimate, job: unit.job });
      }
      return issued;
    });
  }

  recordResults(host: Host, results: ResultToRecord[], now: number): Promise<RecordOutcome[]> {
    return this.db.transaction(async (q) => {
      const outcomes: RecordOutcome[] = [];
      for (const r of results) {
        const error = refusal(await replicaForReport(q, r.replicaId, this.db.forUpdate), host, r);
        if (error) {
          outcomes.push({ replicaId: r.replicaId, ok: false, error });
          continue;
        }
        if (r.status === 'error') {
          await q.run(
            `UPDATE replicas SET server_state = 'over', outcome = 'client_error', received_at = ?, elapsed_ms = ?, error = ?
              WHERE id = ?`,
            [now, r.elapsedMs, `${r.error.name}: ${r.error.message}`, r.replicaId],
          );
        } else {
          await q.run(
            `UPDATE replicas SET server_state = 'over', outcome = 'success', received_at = ?, result = ?, variant = ?,
              elapsed_ms = ? WHERE id = ?`,
            [now, JSON.stringify(r.result.output), r.variant, r.elapsedMs, r.replicaId],
          );
        }
        await q.run('UPDATE work_units SET transition_at = ? WHERE id = (SELECT work_unit_id FROM replicas WHERE id = ?)', [
          now,
          r.replicaId,
        ]);
        outcomes.push({ replicaId: r.replicaId, ok: true });
      }
      return outcomes;
    });
  }

  async dueUnits(queue: UnitQueue, now: number, limit: number): Promise<number[]> {
    const rows =
      queue === 'transition'
        ? await this.db.all<{ id: number }>('SELECT id FROM work_units WHERE transition_at <= ? ORDER BY transition_at LIMIT ?', [now, limit])
        : await this.db.all<{ id: number }>('SELECT id FROM work_units WHERE need_validate = 1 ORDER BY id LIMIT ?', [limit]);
    return rows.map((r) => r.id);
  }

  updateUnits(queue: UnitQueue, ids: number[], now: number, decide: (s: UnitWithReplicas) => UnitChanges) {
    const [stillDue, params] = queue === 'transition' ? ['transition_at <= ?', [now]] : ['need_validate = 1', []];
    return this.db.transaction(async (q) => {
      for (const id of ids) {
        // Re-checked under the lock: another process may have handled the unit since dueUnits.
        const row = await q.get<WorkUnitRow>(`SELECT * FROM work_units WHERE id = ? AND ${stillDue}${this.db.forUpdate}`, [
          id,
          ...params,
        ]);
        if (!row) continue;
        const unit = toWorkUnit(row);
        const replicas = (await q.all<ReplicaRow>('SELECT * FROM replicas WHERE work_unit_id = ? ORDER BY id', [id])).map((r) =>
          toReplica(r, row.app),
        );
        await applyUnitChanges(q, unit, queue, decide({ unit, replicas }), now);
      }
    });
  }

  applyCredit(now: number, limit: number): Promise<number> {
    return this.db.transaction(async (q) => {
      const due = await q.all<{ id: number; host_id: number; volunteer_id: number; granted_credit: number }>(
        `SELECT id, host_id, volunteer_id, granted_credit FROM replicas WHERE validate_state = 'valid' AND credited = 0
          ORDER BY id LIMIT ?${this.db.forUpdateSkipLocked}`,
        [limit],
      );
      for (const r of due) {
        await addToTotals(q, 'hosts', r.host_id, r.granted_credit, now);
        await addToTotals(q, 'volunteers', r.volunteer_id, r.granted_credit, now);
        await q.run('UPDATE replicas SET credited = 1 WHERE id = ?', [r.id]);
      }
      return due.length;
    });
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

async function addToTotals(q: Queryable, table: 'hosts' | 'volunteers', id: number, credit: number, now: number) {
  const cur = (await q.get<{ rac: number; rac_time: number }>(`SELECT rac, rac_time FROM ${table} WHERE id = ?`, [id]))!;
  const avg = addCredit({ value: cur.rac, time: cur.rac_time }, credit, now);
  await q.run(`UPDATE ${table} SET total_credit = total_credit + ?, rac = ?, rac_time = ? WHERE id = ?`, [
    credit,
    avg.value,
    avg.time,
    id,
  ]);
}

interface ReportedReplica {
  host_id: number | null;
  outcome: string | null;
  app: string;
  canonical_replica_id: number | null;
  state: string;
}

function replicaForReport(q: Queryable, replicaId: number, lock: string) {
  return q.get<ReportedReplica>(
    `SELECT r.host_id, r.outcome, r.app, u.canonical_replica_id, u.state
      FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE r.id = ?${lock ? ' FOR UPDATE OF r' : ''}`,
    [replicaId],
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
