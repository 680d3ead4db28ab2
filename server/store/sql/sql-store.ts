/**
 * @module server/store/sql/sql-store
 * The Store over SQL, one implementation for SQLite and Postgres (server/store/sql/db.ts adapts each). Every method
 * is one transaction; a result is committed before recordResults returns, so an acknowledged result survives a
 * crash of the process (and, with SQLite's synchronous=FULL or Postgres's default, of the machine).
 */
import { addCredit, decayed } from '../../credit/rac.ts';
import type { Store, UnitQueue } from '../store.ts';
import type {
  AppName,
  Host,
  HostCredentials,
  HostSummary,
  IssuedReplica,
  NewWorkUnit,
  RecordOutcome,
  ResultToRecord,
  UnitChanges,
  UnitWithReplicas,
  VolunteerAccount,
  VolunteerStats,
  HostStats,
  WorkAsk,
} from '../types.ts';
import type { Db, Queryable } from './db.ts';
import { toReplica, toWorkUnit, type ReplicaRow, type WorkUnitRow } from './rows.ts';
import { summarize } from './summary.ts';
import { issueAsSingle } from '../../passes/trust.ts';
import { applyUnitChanges, recordTrust } from './unit-changes.ts';
import { issueSingle, mayIssueSingle, trustOf } from './adaptive.ts';
import { DEFAULT_MEMORY_MB, fillBuffer, hostSpeed, recordSpeed } from './host-speed.ts';

export interface SqlStoreOptions {
  /** The scheduler's coin for adaptive replication; tests pass their own. */
  random?: () => number;
}

export class SqlStore implements Store {
  readonly db: Db;
  private readonly random: () => number;

  constructor(db: Db, { random = Math.random }: SqlStoreOptions = {}) {
    this.db = db;
    this.random = random;
  }

  createHost({ volunteerName, platform, publicKey, tokenHash, partner, now }: Parameters<Store['createHost']>[0]): Promise<Host> {
    return this.db.transaction(async (q) => {
      const volunteer = (await q.get<{ id: number }>(
        'INSERT INTO volunteers (name, created_at) VALUES (?, ?) RETURNING id',
        [volunteerName ?? '', now],
      ))!;
      if (!volunteerName) await q.run('UPDATE volunteers SET name = ? WHERE id = ?', [`Volunteer ${volunteer.id}`, volunteer.id]);
      const host = (await q.get<{ id: number }>(
        'INSERT INTO hosts (volunteer_id, token_hash, public_key, platform, partner, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id',
        [volunteer.id, tokenHash ?? null, publicKey ?? null, platform ?? null, partner ?? null, now],
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

  async findHost(hostId: number): Promise<HostCredentials | undefined> {
    const row = await this.db.get<{ id: number; volunteer_id: number; public_key: string | null }>(
      'SELECT id, volunteer_id, public_key FROM hosts WHERE id = ?',
      [hostId],
    );
    return row && { id: row.id, volunteerId: row.volunteer_id, publicKey: row.public_key };
  }

  async useNonce(hostId: number, nonce: string, expiresAt: number): Promise<boolean> {
    const { changes } = await this.db.run(
      'INSERT INTO request_nonces (host_id, nonce, expires_at) VALUES (?, ?, ?) ON CONFLICT (host_id, nonce) DO NOTHING',
      [hostId, nonce, expiresAt],
    );
    return changes === 1;
  }

  async purgeNonces(now: number, limit: number): Promise<number> {
    const { changes } = await this.db.run(
      'DELETE FROM request_nonces WHERE (host_id, nonce) IN (SELECT host_id, nonce FROM request_nonces WHERE expires_at < ? LIMIT ?)',
      [now, limit],
    );
    return changes;
  }

  async volunteer(volunteerId: number): Promise<VolunteerAccount> {
    const row = (await this.db.get<{ name: string; eth_address: string | null; hosts: number }>(
      'SELECT name, eth_address, (SELECT count(*) FROM hosts WHERE volunteer_id = v.id) AS hosts FROM volunteers v WHERE id = ?',
      [volunteerId],
    ))!;
    return { volunteerId, name: row.name, address: row.eth_address, hosts: Number(row.hosts) };
  }

  async renameVolunteer(volunteerId: number, name: string): Promise<void> {
    await this.db.run('UPDATE volunteers SET name = ? WHERE id = ?', [name, volunteerId]);
  }

  setVolunteerAddress(volunteerId: number, address: string): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const holder = await q.get<{ id: number }>('SELECT id FROM volunteers WHERE eth_address = ?', [address.toLowerCase()]);
      if (holder && holder.id !== volunteerId) return false;
      await q.run('UPDATE volunteers SET eth_address = ? WHERE id = ?', [address.toLowerCase(), volunteerId]);
      return true;
    });
  }

  async createLinkCode(volunteerId: number, codeHash: string, expiresAt: number): Promise<void> {
    await this.db.run('INSERT INTO link_codes (code_hash, volunteer_id, expires_at) VALUES (?, ?, ?)', [codeHash, volunteerId, expiresAt]);
  }

  redeemLinkCode(hostId: number, codeHash: string, now: number): Promise<number | undefined> {
    return this.db.transaction(async (q) => {
      const code = await q.get<{ volunteer_id: number }>(
        `SELECT volunteer_id FROM link_codes WHERE code_hash = ? AND expires_at > ?${this.db.forUpdate}`,
        [codeHash, now],
      );
      if (!code) return undefined;
      await q.run('DELETE FROM link_codes WHERE code_hash = ?', [codeHash]);
      await q.run('UPDATE hosts SET volunteer_id = ? WHERE id = ?', [code.volunteer_id, hostId]);
      return code.volunteer_id;
    });
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
            max_total_results, delay_bound_s, requested_quorum, requested_target, need_webgpu, need_memory_mb, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
          [batch.id, app, JSON.stringify(u.job.input), u.flopsEstimate, u.minQuorum, u.targetNresults,
            u.maxErrorResults, u.maxTotalResults, u.delayBoundS, u.minQuorum, u.targetNresults,
            Number(u.needs?.webgpu ?? false), u.needs?.memoryMb ?? DEFAULT_MEMORY_MB, now],
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

  issueReplicas(host: Host, askOrMax: WorkAsk | number, now: number): Promise<IssuedReplica[]> {
    const ask = typeof askOrMax === 'number' ? { maxReplicas: askOrMax } : askOrMax;
    const max = ask.maxReplicas;
    const can = ask.capabilities ?? { webgpu: false, memoryMb: DEFAULT_MEMORY_MB };
    return this.db.transaction(async (q) => {
      // Oldest unsent replicas of units this volunteer holds no replica of. One unit may have several unsent
      // replicas, so take extra candidates and keep one per unit. On Postgres, rows another coordinator process is
      // issuing right now are skipped, not waited for, and never issued twice.
      const candidates = await q.all<WorkUnitRow & { replica_id: number }>(
        `SELECT r.id AS replica_id, u.* FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
          WHERE r.server_state = 'unsent' AND (u.need_webgpu = 0 OR ? = 1) AND u.need_memory_mb <= ?
          AND NOT EXISTS (SELECT 1 FROM replicas o WHERE o.volunteer_id = ? AND o.work_unit_id = r.work_unit_id)
          ORDER BY r.id LIMIT ?${this.db.forUpdateSkipLocked ? ' FOR UPDATE OF r SKIP LOCKED' : ''}`,
        [Number(can.webgpu), can.memoryMb, host.volunteerId, max * 4],
      );
      const seen = new Set<number>();
      const distinct = candidates.filter((c) => !seen.has(c.id) && seen.add(c.id)).slice(0, max);
      const chosen = ask.bufferSeconds === undefined ? distinct : fillBuffer(distinct, ask.bufferSeconds, await hostSpeed(q, host.id));
      const trust = await trustOf(q, host.id);
      const issued: IssuedReplica[] = [];
      for (const c of chosen) {
        const unit = toWorkUnit(c);
        const replicaId = c.replica_id;
        if (issueAsSingle(trust.get(c.app) ?? 0, this.random) && (await mayIssueSingle(q, unit, replicaId))) {
          await issueSingle(q, unit.id, replicaId);
        }
        const deadline = now + unit.delayBoundS * 1000;
        await q.run(
          `UPDATE replicas SET server_state = 'in_progress', host_id = ?, volunteer_id = ?, sent_at = ?, deadline = ?
            WHERE id = ?`,
          [host.id, host.volunteerId, now, deadline, replicaId],
        );
        await q.run(
          'UPDATE work_units SET transition_at = CASE WHEN transition_at IS NULL OR transition_at > ? THEN ? ELSE transition_at END WHERE id = ?',
          [deadline, deadline, unit.id],
        );
        issued.push({ replicaId, workUnitId: unit.id, deadline, flopsEstimate: unit.flopsEstimate, job: unit.job });
      }
      return issued;
    });
  }

  recordResults(host: Host, results: ResultToRecord[], now: number): Promise<RecordOutcome[]> {
    return this.db.transaction(async (q) => {
      await this.lockUnitsOf(q, results.map((r) => r.replicaId));
      const outcomes: RecordOutcome[] = [];
      for (const r of results) {
        const row = await replicaForReport(q, r.replicaId, this.db.forUpdate);
        const error = refusal(row, host, r);
        if (error || !row) {
          outcomes.push({ replicaId: r.replicaId, ok: false, error: error ?? 'unknown replica' });
          continue;
        }
        if (r.status === 'error') {
          await recordTrust(q, host.id, row.app, 'error');
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
          await recordSpeed(q, host.id, row.work_unit_id, r.elapsedMs);
        }
        // A success goes straight to the validator once the unit has enough of them; an error to the transitioner,
        // which decides whether to reissue or fail the unit.
        if (r.status === 'success') {
          await q.run(
            `UPDATE work_units SET need_validate = 1 WHERE id = ? AND min_quorum <= (SELECT count(*) FROM replicas
              WHERE work_unit_id = ? AND outcome = 'success' AND validate_state <> 'invalid')`,
            [row.work_unit_id, row.work_unit_id],
          );
        } else {
          await q.run('UPDATE work_units SET transition_at = ? WHERE id = ?', [now, row.work_unit_id]);
        }
        outcomes.push({ replicaId: r.replicaId, ok: true });
      }
      return outcomes;
    });
  }

  /**
   * On Postgres, locks the work units of these replicas, in id order (so two reporters cannot deadlock), before any
   * result is counted: two replicas of one unit reported at once through two processes then see each other's
   * result, and the second one flags the unit for validation. SQLite's transactions are serial already.
   */
  private async lockUnitsOf(q: Queryable, replicaIds: number[]): Promise<void> {
    if (!this.db.forUpdate || replicaIds.length === 0) return;
    await q.all(
      `SELECT id FROM work_units WHERE id IN (SELECT work_unit_id FROM replicas WHERE id IN (${replicaIds.map(() => '?').join(', ')}))
        ORDER BY id${this.db.forUpdate}`,
      replicaIds,
    );
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
      // In id order, the same order every locker uses, so two processes never deadlock.
      for (const id of [...ids].sort((a, b) => a - b)) {
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
      // One update per host and per volunteer: credit added at one instant sums (addCredit is linear in it).
      const byHost = new Map<number, number>();
      const byVolunteer = new Map<number, number>();
      for (const r of due) {
        byHost.set(r.host_id, (byHost.get(r.host_id) ?? 0) + r.granted_credit);
        byVolunteer.set(r.volunteer_id, (byVolunteer.get(r.volunteer_id) ?? 0) + r.granted_credit);
        await q.run('UPDATE replicas SET credited = 1 WHERE id = ?', [r.id]);
      }
      for (const [id, credit] of byHost) await addToTotals(q, 'hosts', id, credit, now);
      for (const [id, credit] of byVolunteer) await addToTotals(q, 'volunteers', id, credit, now);
      return due.length;
    });
  }

  settleCredit(before: number, limit: number): Promise<number> {
    return this.db.transaction(async (q) => {
      const due = await q.all<{ id: number; volunteer_id: number; granted_credit: number }>(
        `SELECT id, volunteer_id, granted_credit FROM replicas
          WHERE validate_state = 'valid' AND settled = 0 AND credited = 1 AND validated_at <= ?
          ORDER BY validated_at LIMIT ?${this.db.forUpdateSkipLocked}`,
        [before, limit],
      );
      for (const r of due) {
        await q.run('UPDATE volunteers SET settled_credit = settled_credit + ? WHERE id = ?', [r.granted_credit, r.volunteer_id]);
        await q.run('UPDATE replicas SET settled = 1 WHERE id = ?', [r.id]);
      }
      return due.length;
    });
  }

  revokeUnverified(now: number, limit: number): Promise<number> {
    return this.db.transaction(async (q) => {
      const caught = await q.all<{ host_id: number; app: string }>(
        `SELECT host_id, app FROM host_apps WHERE revoke_pending = 1 LIMIT ?${this.db.forUpdateSkipLocked}`,
        [limit],
      );
      for (const { host_id, app } of caught) {
        await revokeHost(q, host_id, app, now);
        await q.run('UPDATE host_apps SET revoke_pending = 0 WHERE host_id = ? AND app = ?', [host_id, app]);
      }
      return caught.length;
    });
  }

  async purgeResults(before: number, limit: number): Promise<number> {
    const { changes } = await this.db.run(
      `UPDATE replicas SET result = NULL WHERE id IN (SELECT r.id FROM work_units u JOIN replicas r ON r.work_unit_id = u.id
        WHERE u.done_at < ? AND r.result IS NOT NULL AND (u.canonical_replica_id IS NULL OR r.id <> u.canonical_replica_id)
        LIMIT ?)`,
      [before, limit],
    );
    return changes;
  }

  async creditTable(now: number): Promise<{ volunteers: VolunteerStats[]; hosts: HostStats[] }> {
    type Row = { id: number; total_credit: number; rac: number; rac_time: number; created_at: number };
    const volunteers = await this.db.all<Row & { name: string; eth_address: string | null; settled_credit: number }>(
      'SELECT * FROM volunteers ORDER BY id',
    );
    const hosts = await this.db.all<Row & { volunteer_id: number }>('SELECT * FROM hosts ORDER BY id');
    const rac = (r: Row) => decayed({ value: r.rac, time: r.rac_time }, now);
    return {
      volunteers: volunteers.map((v) => ({
        volunteer_id: v.id,
        name: v.name,
        address: v.eth_address,
        total_credit: v.total_credit,
        settled_credit: v.settled_credit,
        recent_average_credit: rac(v),
        created_at: v.created_at,
      })),
      hosts: hosts.map((h) => ({
        host_id: h.id,
        volunteer_id: h.volunteer_id,
        total_credit: h.total_credit,
        recent_average_credit: rac(h),
        created_at: h.created_at,
      })),
    };
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

/** Revokes a caught host's unsettled single-replica results of one app and reopens their units. */
async function revokeHost(q: Queryable, hostId: number, app: string, now: number) {
  const revoked = await q.all<{ id: number; work_unit_id: number; volunteer_id: number; granted_credit: number; credited: number }>(
    `SELECT id, work_unit_id, volunteer_id, granted_credit, credited FROM replicas
      WHERE host_id = ? AND app = ? AND unverified = 1 AND validate_state = 'valid' AND settled = 0`,
    [hostId, app],
  );
  for (const r of revoked) {
    await q.run("UPDATE replicas SET validate_state = 'invalid', granted_credit = 0 WHERE id = ?", [r.id]);
    if (r.credited === 1) {
      await withdraw(q, 'hosts', hostId, r.granted_credit);
      await withdraw(q, 'volunteers', r.volunteer_id, r.granted_credit);
    }
    await q.run(
      `UPDATE work_units SET state = 'active', canonical_replica_id = NULL, single = 0, min_quorum = requested_quorum,
        target_nresults = requested_target, transition_at = ? WHERE id = ?`,
      [now, r.work_unit_id],
    );
  }
}

/** Takes back credit already added; the recent average loses the same amount (it cannot go below zero). */
async function withdraw(q: Queryable, table: 'hosts' | 'volunteers', id: number, credit: number) {
  await q.run(
    `UPDATE ${table} SET total_credit = CASE WHEN total_credit > ? THEN total_credit - ? ELSE 0 END,
      rac = CASE WHEN rac > ? THEN rac - ? ELSE 0 END WHERE id = ?`,
    [credit, credit, credit, credit, id],
  );
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
  work_unit_id: number;
  host_id: number | null;
  outcome: string | null;
  app: string;
  canonical_replica_id: number | null;
  state: string;
}

function replicaForReport(q: Queryable, replicaId: number, lock: string) {
  return q.get<ReportedReplica>(
    `SELECT r.work_unit_id, r.host_id, r.outcome, r.app, u.canonical_replica_id, u.state
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
