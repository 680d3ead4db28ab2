/**
 * @module server/store/sqlite/sqlite-store
 * The embedded store: one SQLite file through Node's built-in node:sqlite, in WAL mode with synchronous=FULL, so a
 * result acknowledged to a host survives a kill -9 or a power cut. Every method runs in one IMMEDIATE transaction.
 */
import { DatabaseSync } from 'node:sqlite';
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
import { toReplica, toWorkUnit, type ReplicaRow, type WorkUnitRow } from './rows.ts';
import { migrations } from './schema.ts';
import { summarize } from './summary.ts';
import { applyUnitChanges } from './unit-changes.ts';

export class SqliteStore implements Store {
  readonly db: DatabaseSync;

  constructor(path: string) {
    this.db = new DatabaseSync(path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                  PRAGMA busy_timeout = 5000;`);
    this.migrate();
  }

  private migrate(): void {
    const { user_version } = this.db.prepare('PRAGMA user_version').get() as { user_version: number };
    for (let v = user_version; v < migrations.length; v++) {
      this.tx(() => {
        this.db.exec(migrations[v]!);
        this.db.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  /** Runs `fn` in one IMMEDIATE transaction; node:sqlite is synchronous, so no other call interleaves. */
  private tx<T>(fn: () => T): T {
    this.db.exec('BEGIN IMMEDIATE');
    try {
      const value = fn();
      this.db.exec('COMMIT');
      return value;
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  async createHost({ volunteerName, platform, tokenHash, now }: Parameters<Store['createHost']>[0]): Promise<Host> {
    return this.tx(() => {
      const volunteer = this.db
        .prepare('INSERT INTO volunteers (name, created_at) VALUES (?, ?) RETURNING id')
        .get(volunteerName ?? '', now) as { id: number };
      if (!volunteerName) {
        this.db.prepare('UPDATE volunteers SET name = ? WHERE id = ?').run(`Volunteer ${volunteer.id}`, volunteer.id);
      }
      const host = this.db
        .prepare('INSERT INTO hosts (volunteer_id, token_hash, platform, created_at) VALUES (?, ?, ?, ?) RETURNING id')
        .get(volunteer.id, tokenHash, platform ?? null, now) as { id: number };
      return { id: host.id, volunteerId: volunteer.id };
    });
  }

  async findHostByTokenHash(tokenHash: string): Promise<Host | undefined> {
    const row = this.db.prepare('SELECT id, volunteer_id FROM hosts WHERE token_hash = ?').get(tokenHash) as
      | { id: number; volunteer_id: number }
      | undefined;
    return row && { id: row.id, volunteerId: row.volunteer_id };
  }

  async hostSummary(hostId: number, now: number): Promise<HostSummary> {
    return summarize(this.db, hostId, now);
  }

  async createBatch({ app, name, units, now }: { app: AppName; name: string; units: NewWorkUnit[]; now: number }) {
    return this.tx(() => {
      const batch = this.db
        .prepare('INSERT INTO batches (app, name, created_at) VALUES (?, ?, ?) RETURNING id')
        .get(app, name, now) as { id: number };
      const insertUnit = this.db.prepare(`INSERT INTO work_units (batch_id, app, input, flops_estimate, min_quorum,
        target_nresults, max_error_results, max_total_results, delay_bound_s, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`);
      const insertReplica = this.db.prepare('INSERT INTO replicas (work_unit_id, app) VALUES (?, ?)');
      for (const u of units) {
        const { id } = insertUnit.get(batch.id, app, JSON.stringify(u.job.input), u.flopsEstimate, u.minQuorum,
          u.targetNresults, u.maxErrorResults, u.maxTotalResults, u.delayBoundS, now) as { id: number };
        for (let i = 0; i < u.targetNresults; i++) insertReplica.run(id, app);
      }
      return batch.id;
    });
  }

  async countUnsent(app: AppName): Promise<number> {
    const row = this.db
      .prepare("SELECT count(*) AS n FROM replicas WHERE app = ? AND server_state = 'unsent'")
      .get(app) as { n: number };
    return row.n;
  }

  async issueReplicas(host: Host, max: number, now: number): Promise<IssuedReplica[]> {
    return this.tx(() => {
      // Oldest unsent replicas of units this volunteer holds no replica of; several unsent replicas of one unit
      // may come back, so take extra candidates and keep one per unit.
      const candidates = this.db
        .prepare(`SELECT r.id, r.work_unit_id FROM replicas r WHERE r.server_state = 'unsent'
          AND NOT EXISTS (SELECT 1 FROM replicas o WHERE o.work_unit_id = r.work_unit_id AND o.volunteer_id = ?)
          ORDER BY r.id LIMIT ?`)
        .all(host.volunteerId, max * 4) as Array<{ id: number; work_unit_id: number }>;
      const seen = new Set<number>();
      const chosen = candidates.filter((c) => !seen.has(c.work_unit_id) && seen.add(c.work_unit_id)).slice(0, max);
      const send = this.db.prepare(`UPDATE replicas SET server_state = 'in_progress', host_id = ?, volunteer_id = ?,
        sent_at = ?, deadline = ? WHERE id = ?`);
      const unitOf = this.db.prepare('SELECT * FROM work_units WHERE id = ?');
      const schedule = this.db.prepare(
        'UPDATE work_units SET transition_at = min(coalesce(transition_at, ?), ?) WHERE id = ?',
      );
      return chosen.map((c) => {
        const unit = toWorkUnit(unitOf.get(c.work_unit_id) as unknown as WorkUnitRow);
        const deadline = now + unit.delayBoundS * 1000;
        send.run(host.id, host.volunteerId, now, deadline, c.id);
        schedule.run(deadline, deadline, unit.id);
        return { replicaId: c.id, workUnitId: unit.id, deadline, flopsEstimate: unit.flopsEstimate, job: unit.job };
      });
    });
  }

  async recordResults(host: Host, results: ResultToRecord[], now: number): Promise<RecordOutcome[]> {
    return this.tx(() => {
      const find = this.db.prepare(`SELECT r.host_id, r.outcome, r.app, u.canonical_replica_id, u.state
        FROM replicas r JOIN work_units u ON u.id = r.work_unit_id WHERE r.id = ?`);
      const store = this.db.prepare(`UPDATE replicas SET server_state = 'over', outcome = 'success', received_at = ?,
        result = ?, variant = ?, elapsed_ms = ? WHERE id = ?`);
      const flag = this.db.prepare(
        'UPDATE work_units SET transition_at = ? WHERE id = (SELECT work_unit_id FROM replicas WHERE id = ?)',
      );
      return results.map((r): RecordOutcome => {
        const row = find.get(r.replicaId) as
          | { host_id: number | null; outcome: string | null; app: string; canonical_replica_id: number | null; state: string }
          | undefined;
        const error = refusal(row, host, r);
        if (error) return { replicaId: r.replicaId, ok: false, error };
        store.run(now, JSON.stringify(r.result.output), r.variant, r.elapsedMs, r.replicaId);
        flag.run(now, r.replicaId);
        return { replicaId: r.replicaId, ok: true };
      });
    });
  }

  async dueUnits(queue: UnitQueue, now: number, limit: number): Promise<number[]> {
    const rows =
      queue === 'transition'
        ? this.db.prepare('SELECT id FROM work_units WHERE transition_at <= ? ORDER BY transition_at LIMIT ?').all(now, limit)
        : this.db.prepare('SELECT id FROM work_units WHERE need_validate = 1 ORDER BY id LIMIT ?').all(limit);
    return (rows as Array<{ id: number }>).map((r) => r.id);
  }

  async updateUnit(queue: UnitQueue, id: number, now: number, decide: (s: UnitWithReplicas) => UnitChanges) {
    this.tx(() => {
      const row = this.db.prepare('SELECT * FROM work_units WHERE id = ?').get(id) as WorkUnitRow | undefined;
      if (!row) return;
      const unit = toWorkUnit(row);
      const replicas = (this.db.prepare('SELECT * FROM replicas WHERE work_unit_id = ? ORDER BY id').all(id) as unknown as ReplicaRow[])
        .map((r) => toReplica(r, row.app));
      applyUnitChanges(this.db, unit, queue, decide({ unit, replicas }), now);
    });
  }

  async applyCredit(now: number, limit: number): Promise<number> {
    return this.tx(() => {
      const due = this.db
        .prepare(`SELECT id, host_id, volunteer_id, granted_credit FROM replicas
          WHERE validate_state = 'valid' AND credited = 0 ORDER BY id LIMIT ?`)
        .all(limit) as Array<{ id: number; host_id: number; volunteer_id: number; granted_credit: number }>;
      for (const r of due) {
        for (const table of ['hosts', 'volunteers'] as const) {
          const id = table === 'hosts' ? r.host_id : r.volunteer_id;
          const cur = this.db.prepare(`SELECT rac, rac_time FROM ${table} WHERE id = ?`).get(id) as { rac: number; rac_time: number };
          const avg = addCredit({ value: cur.rac, time: cur.rac_time }, r.granted_credit, now);
          this.db
            .prepare(`UPDATE ${table} SET total_credit = total_credit + ?, rac = ?, rac_time = ? WHERE id = ?`)
            .run(r.granted_credit, avg.value, avg.time, id);
        }
        this.db.prepare('UPDATE replicas SET credited = 1 WHERE id = ?').run(r.id);
      }
      return due.length;
    });
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

/** Why a reported result cannot be accepted, or undefined when it can. */
function refusal(
  row: { host_id: number | null; outcome: string | null; app: string; canonical_replica_id: number | null; state: string } | undefined,
  host: Host,
  r: ResultToRecord,
): string | undefined {
  if (!row || row.host_id !== host.id) return `replica ${r.replicaId} was not sent to this host`;
  if (row.app !== r.result.app) return `replica ${r.replicaId} is of app ${row.app}, not ${r.result.app}`;
  if (row.outcome === 'success') return `replica ${r.replicaId} was already reported`;
  if (row.outcome === 'didnt_need') return `replica ${r.replicaId} is no longer needed`;
  // A replica past its deadline (no_reply) still counts while its unit is undecided, as BOINC accepts late results.
  if (row.canonical_replica_id !== null || row.state !== 'active') {
    return `replica ${r.replicaId} arrived after its work unit was decided`;
  }
  return undefined;
}
