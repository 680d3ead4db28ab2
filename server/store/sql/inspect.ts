/**
 * @module server/store/sql/inspect
 * A window onto the tables for tests and benchmarks outside the store: named reads of what the API and the passes
 * left (counts, units, replicas), and the few columns a test sets to arrange a case without a day of work (a host's
 * credit or partner). It keeps their SQL in this room, so the rest of the tree speaks only through the stores.
 * Opened beside a running coordinator, it is a connection of its own, as any outside observer's would be.
 */
import { openDb, type StoreLocation } from '../open-store.ts';
import type { Db } from './db.ts';
import { replicaTokensOf } from './replica-token-key.ts';

export interface TableCounts {
  hosts: number;
  volunteers: number;
  projects: number;
  /** Replicas sent to a host (every state but unsent). */
  sentReplicas: number;
  /** Replicas holding a result (not yet purged). */
  results: number;
  /** Units with a canonical result. */
  canonicalUnits: number;
  /** Units flagged for the validator. */
  awaitingValidation: number;
  /** Valid results whose credit the credit pass has not yet added. */
  awaitingCredit: number;
}

export interface UnitRow {
  id: number;
  projectId: number;
  state: string;
  targetNresults: number;
  canonicalReplicaId: number | null;
  needValidate: boolean;
  transitionAt: number | null;
  doneAt: number | null;
}

export interface ReplicaRow {
  id: number;
  /** What its host knows it by (null until it is sent). */
  token: string | null;
  workUnitId: number;
  volunteerId: number | null;
  serverState: string;
  outcome: string | null;
  validateState: string;
  grantedCredit: number;
}

const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export class StoreInspector {
  private readonly q: Db;

  constructor(db: Db) {
    this.q = db;
  }

  /** A connection of its own to the database at `location`; close it with `close()`. */
  static open(location: StoreLocation): StoreInspector & { close(): Promise<void> } {
    const db = openDb(location);
    return Object.assign(new StoreInspector(db), { close: () => db.close() });
  }

  async counts(): Promise<TableCounts> {
    const row = (await this.q.get<Record<keyof TableCounts, unknown>>(
      `SELECT (SELECT count(*) FROM hosts) AS hosts, (SELECT count(*) FROM volunteers) AS volunteers,
        (SELECT count(*) FROM projects) AS projects,
        (SELECT count(*) FROM replicas WHERE server_state <> 'unsent') AS "sentReplicas",
        (SELECT count(*) FROM replicas WHERE result IS NOT NULL) AS results,
        (SELECT count(*) FROM work_units WHERE canonical_replica_id IS NOT NULL) AS "canonicalUnits",
        (SELECT count(*) FROM work_units WHERE need_validate = 1) AS "awaitingValidation",
        (SELECT count(*) FROM pending_credit) AS "awaitingCredit"`,
    ))!;
    return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) as unknown as TableCounts;
  }

  /** Every unit, by id. */
  async units(): Promise<UnitRow[]> {
    const rows = await this.q.all<Record<string, unknown>>(
      `SELECT id, project_id, state, target_nresults, canonical_replica_id, need_validate, transition_at, done_at
        FROM work_units ORDER BY id`,
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      projectId: Number(r['project_id']),
      state: String(r['state']),
      targetNresults: Number(r['target_nresults']),
      canonicalReplicaId: num(r['canonical_replica_id']),
      needValidate: Number(r['need_validate']) === 1,
      transitionAt: num(r['transition_at']),
      doneAt: num(r['done_at']),
    }));
  }

  /** Every replica, by id, with the token its host knows it by (none until it is sent). */
  async replicas(): Promise<ReplicaRow[]> {
    const rows = await this.q.all<Record<string, unknown>>(
      `SELECT id, token, host_id, work_unit_id, volunteer_id, server_state, outcome, validate_state, granted_credit
        FROM replicas ORDER BY id`,
    );
    const tokens = rows.some((r) => r['token'] === null && r['host_id'] !== null)
      ? await replicaTokensOf(this.q)
      : undefined;
    const tokenOf = (r: Record<string, unknown>) => {
      if (r['token'] !== null) return String(r['token']);
      return r['host_id'] === null ? null : tokens!.tokenOf(Number(r['id']));
    };
    return rows.map((r) => ({
      id: Number(r['id']),
      token: tokenOf(r),
      workUnitId: Number(r['work_unit_id']),
      volunteerId: num(r['volunteer_id']),
      serverState: String(r['server_state']),
      outcome: r['outcome'] === null ? null : String(r['outcome']),
      validateState: String(r['validate_state']),
      grantedCredit: Number(r['granted_credit']),
    }));
  }

  /** Each volunteer's credit totals beside the credit granted to their valid results (what the totals must add). */
  async volunteerCredit(): Promise<Array<{ id: number; total: number; settled: number; validGranted: number }>> {
    const rows = await this.q.all<Record<string, unknown>>(
      `SELECT v.id, v.total_credit, v.settled_credit, (SELECT coalesce(sum(r.granted_credit), 0) FROM replicas r
          WHERE r.volunteer_id = v.id AND r.validate_state = 'valid') AS valid_granted
        FROM volunteers v ORDER BY v.id`,
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      total: Number(r['total_credit']),
      settled: Number(r['settled_credit']),
      validGranted: Number(r['valid_granted']),
    }));
  }

  /** The network recorded for a host (server/http/network.ts); null when none was. */
  async hostNetwork(hostId: number): Promise<string | null> {
    const row = await this.q.get<{ network: string | null }>('SELECT network FROM hosts WHERE id = ?', [hostId]);
    return row?.network ?? null;
  }

  /** The partner site a host computes for (server/http/partner-ticket.ts); null when none. */
  async hostPartner(hostId: number): Promise<string | null> {
    const row = await this.q.get<{ partner: string | null }>('SELECT partner FROM hosts WHERE id = ?', [hostId]);
    return row?.partner ?? null;
  }

  /** The credit granted to the valid results of a batch, whether or not it has settled. */
  async grantedCredit(batchId: number): Promise<number> {
    const row = await this.q.get<{ credit: unknown }>(
      `SELECT sum(r.granted_credit) AS credit FROM replicas r JOIN work_units w ON r.work_unit_id = w.id
        WHERE w.batch_id = ? AND r.validate_state = 'valid'`,
      [batchId],
    );
    return Number(row?.credit ?? 0);
  }

  /** Sets a host's total credit (as the credit pass would have) or the partner site it was registered through. */
  async setHost(hostId: number, { totalCredit, partner }: { totalCredit?: number; partner?: string }): Promise<void> {
    if (totalCredit !== undefined)
      await this.q.run('UPDATE hosts SET total_credit = ? WHERE id = ?', [totalCredit, hostId]);
    if (partner !== undefined) await this.q.run('UPDATE hosts SET partner = ? WHERE id = ?', [partner, hostId]);
  }

  /**
   * Gives every host a record of `valid` valid results of `app`, as established volunteers have: the new-host quotas
   * (server/store/quota.ts) then do not bound what each asks, which is what a throughput benchmark of steady state
   * needs. Streaks (consecutive_valid) are left as they are, so replication is not changed. (`WHERE true`: without
   * it SQLite reads the ON CONFLICT after a bare SELECT as a join's.)
   */
  async giveRecord(app: string, valid: number): Promise<void> {
    await this.q.run(
      `INSERT INTO host_apps (host_id, app, valid) SELECT id, ?, ? FROM hosts WHERE true
        ON CONFLICT (host_id, app) DO UPDATE SET valid = excluded.valid`,
      [app, valid],
    );
  }

  /**
   * Makes one host trusted with `app` (a streak of `consecutive` verified results, as many valid): the scheduler then
   * sends it units as single replicas, but for its spot checks (server/store/trust.ts).
   */
  async trustHost(hostId: number, app: string, consecutive: number): Promise<void> {
    await this.q.run(
      `INSERT INTO host_apps (host_id, app, valid, consecutive_valid) VALUES (?, ?, ?, ?)
        ON CONFLICT (host_id, app)
        DO UPDATE SET valid = excluded.valid, consecutive_valid = excluded.consecutive_valid`,
      [hostId, app, consecutive, consecutive],
    );
  }

  /** The ids of the units sent as a single replica (adaptive replication). */
  async singleUnits(): Promise<Set<number>> {
    const rows = await this.q.all<{ id: number }>('SELECT id FROM work_units WHERE single = 1');
    return new Set(rows.map((r) => Number(r.id)));
  }

  /** Records an invalid result of `app` for the host, as a quorum that sided against it does. */
  async recordInvalid(hostId: number, app: string): Promise<void> {
    await this.q.run(
      `INSERT INTO host_apps (host_id, app, invalid) VALUES (?, ?, 1)
        ON CONFLICT (host_id, app) DO UPDATE SET invalid = host_apps.invalid + 1`,
      [hostId, app],
    );
  }

  /**
   * Gives one host a record with `app` as a host earns it: `valid` valid results, the last `streak` of them in a row
   * (consecutive_valid), registered two days before `at`. With ten of each it is established
   * and reliable (server/store/trust.ts, server/store/tail.ts); a shorter streak is what a recent timeout leaves.
   */
  async giveStreak(hostId: number, app: string, { valid, streak, at }: { valid: number; streak: number; at: number }) {
    await this.q.run(
      `INSERT INTO host_apps (host_id, app, valid, consecutive_valid) VALUES (?, ?, ?, ?)
        ON CONFLICT (host_id, app)
        DO UPDATE SET valid = excluded.valid, consecutive_valid = excluded.consecutive_valid`,
      [hostId, app, valid, streak],
    );
    await this.q.run('UPDATE hosts SET created_at = ? WHERE id = ?', [at - 2 * 86_400_000, hostId]);
  }

  /** The replicas out with a host: each one's unit, when it was sent and when it is due. */
  async heldBy(hostId: number): Promise<Array<{ id: number; workUnitId: number; sentAt: number; deadline: number }>> {
    const rows = await this.q.all<Record<string, unknown>>(
      `SELECT id, work_unit_id, sent_at, deadline FROM replicas WHERE host_id = ? AND server_state = 'in_progress'
        ORDER BY id`,
      [hostId],
    );
    return rows.map((r) => ({
      id: Number(r['id']),
      workUnitId: Number(r['work_unit_id']),
      sentAt: Number(r['sent_at']),
      deadline: Number(r['deadline']),
    }));
  }

  /**
   * Moves the replicas a host holds `ms` into the past, as if it had taken them that much earlier: sent, due, and
   * their units' next look by the transitioner with them (a closed tab's replicas, minutes on, without the wait).
   */
  async backdateHeld(hostId: number, ms: number): Promise<void> {
    // Replicas first: a transitioner that looks in between sees them overdue, or the units not yet due.
    await this.q.run(
      `UPDATE replicas SET sent_at = sent_at - ?, deadline = deadline - ? WHERE host_id = ?
        AND server_state = 'in_progress'`,
      [ms, ms, hostId],
    );
    await this.q.run(
      `UPDATE work_units SET transition_at = transition_at - ? WHERE id IN
        (SELECT work_unit_id FROM replicas WHERE host_id = ? AND server_state = 'in_progress')`,
      [ms, hostId],
    );
  }

  /**
   * Makes every host `ms` older, as if it had registered that much earlier: benches and tests of established hosts
   * (server/store/trust.ts, a day old at least) on a clock that does not wait a day.
   */
  async ageHosts(ms: number): Promise<void> {
    await this.q.run('UPDATE hosts SET created_at = created_at - ?', [ms]);
  }

  /**
   * Postgres: statistics for the planner and a checkpoint now, so that a measurement starts as a deployment's would
   * (fresh tables have no statistics until autovacuum reaches them) and no checkpoint of the setup falls inside it.
   * Nothing on SQLite.
   */
  async prepareForMeasurement(): Promise<void> {
    if (this.q.dialect !== 'postgres') return;
    await this.q.run('ANALYZE');
    await this.q.run('CHECKPOINT').catch((e: Error) => console.log(`no CHECKPOINT before measuring (${e.message})`));
  }
}
