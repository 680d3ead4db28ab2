/**
 * @module server/store/sql/sql-store
 * The Store over SQL, one implementation for SQLite and Postgres (server/store/sql/db.ts adapts each). Every method
 * is one transaction; a result is committed before recordResults returns, so an acknowledged result survives a
 * crash of the process (and, with SQLite's synchronous=FULL or Postgres's default, of the machine).
 */
import { foldActivityDeltas } from './activity-counts.ts';
import { foldStatusDeltas } from './batch-counts.ts';
import { foldErrorDeltas } from './batch-errors.ts';
import { decayed } from '../../credit/rac.ts';
import { DEMO_PROJECT, projectShortName } from '../../../protocol/project-name.ts';
import {
  type Backlog,
  ChallengeSpentError,
  ForeignReplicaError,
  HostHoldsUnitsError,
  KeyTakenError,
  NetworkBannedError,
  type Store,
  type UnitQueue,
  VolunteerBannedError,
} from '../store.ts';
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
import type { Db } from './db.ts';
import { toReplica, toWorkUnit, type WorkUnitRow } from './rows.ts';
import { summarize } from './summary.ts';
import { applyDecisions } from './unit-changes.ts';
import type { HostsPer } from '../quota.ts';
import { loadDue } from './due-units.ts';
import { markTails } from './batch-tail.ts';
import { priceCustomUnits } from './app-versions.ts';
import { EstablishedHosts } from './established.ts';
import { anyOf } from './bulk.ts';
import { insertBatch } from './batches.ts';
import { Scheduler, type SiblingWait } from './scheduler.ts';
import { replicaTokensOf } from './replica-token-key.ts';
import type { ReplicaTokens } from '../replica-tokens.ts';
import { recordReports, type Report } from './report.ts';
import { Batcher } from '../batcher.ts';
import { spendNonces, type NonceUse } from './nonces.ts';
import { applyCredit, caughtSingles, revokeHost, settleCredit } from './credit.ts';
import { networkBanOf, purgeChallenges, refusalOf, sharedSecret, spendChallenge } from './identity-bans.ts';

export interface SqlStoreOptions {
  /** The scheduler's coin for adaptive replication; tests pass their own. */
  random?: () => number;
  /** How long a unit's sibling replicas wait after its first is sent (none by default; the coordinator's config). */
  siblingWait?: SiblingWait;
  /** Hosts' worth of caps and quotas a volunteer's and a network's hosts share (server/store/quota.ts). */
  hostsPer?: HostsPer;
  /** A new host's daily quota (server/store/quota.ts dailyQuota; the coordinator's config). */
  newHostDaily?: number;
}

export class SqlStore implements Store {
  private readonly db: Db;
  private readonly scheduler: Scheduler;
  private readonly projectsByShortName = new Map<string, number>();
  private readonly nonces: Batcher<NonceUse, Host | undefined>;
  private readonly hostLookups: Batcher<number, HostCredentials | undefined>;
  private readonly reports: Batcher<Report, RecordOutcome[] | ForeignReplicaError>;

  private readonly established = new EstablishedHosts();
  /** The coordinators' shared key for replica tokens, read (or made, by the first coordinator) once. */
  private tokens: Promise<ReplicaTokens> | undefined;

  constructor(db: Db, { random = Math.random, siblingWait, hostsPer, newHostDaily }: SqlStoreOptions = {}) {
    this.db = db;
    this.scheduler = new Scheduler(db, random, () => this.replicaTokens(), {
      ...(siblingWait && { siblingWait }),
      ...(hostsPer && { hostsPer }),
      ...(newHostDaily !== undefined && { newHostDaily }),
    });
    this.nonces = new Batcher((uses) => spendNonces(db, db.dialect, uses));
    this.hostLookups = new Batcher((ids) => this.findHosts(ids));
    this.reports = new Batcher(async (reports) => recordReports(db, await this.replicaTokens(), reports));
    // Read now, so that no request waits for it (nor its transaction joins a request's); read again when it failed.
    void this.replicaTokens().catch(() => {});
  }

  private replicaTokens(): Promise<ReplicaTokens> {
    if (!this.tokens) {
      const reading = replicaTokensOf(this.db);
      this.tokens = reading;
      reading.catch(() => {
        if (this.tokens === reading) this.tokens = undefined;
      });
    }
    return this.tokens;
  }

  createHost({
    volunteerName,
    platform,
    publicKey,
    tokenHash,
    partner,
    network,
    challenge,
    now,
  }: Parameters<Store['createHost']>[0]): Promise<Host> {
    return this.db.transaction(async (q) => {
      if (challenge && !(await spendChallenge(q, challenge.id, challenge.expiresAt))) throw new ChallengeSpentError();
      const banned = network === undefined ? undefined : await networkBanOf(q, network, now);
      if (banned !== undefined) throw new NetworkBannedError(network!, banned);
      const volunteer = (await q.get<{ id: number }>(
        'INSERT INTO volunteers (name, created_at) VALUES (?, ?) RETURNING id',
        [volunteerName ?? '', now],
      ))!;
      if (!volunteerName)
        await q.run('UPDATE volunteers SET name = ? WHERE id = ?', [`Volunteer ${volunteer.id}`, volunteer.id]);
      // A key taken, even by a registration racing this one, inserts nothing; throwing undoes the volunteer too.
      const host = await q.get<{ id: number }>(
        `INSERT INTO hosts (volunteer_id, token_hash, public_key, platform, partner, network, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (public_key) DO NOTHING RETURNING id`,
        [volunteer.id, tokenHash ?? null, publicKey ?? null, platform ?? null, partner ?? null, network ?? null, now],
      );
      if (!host) throw new KeyTakenError();
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

  findHost(hostId: number): Promise<HostCredentials | undefined> {
    return this.hostLookups.call(hostId);
  }

  /** The hosts asked for in one turn of the event loop, in one statement (a crowd's first requests come together). */
  private async findHosts(ids: number[]): Promise<Array<HostCredentials | undefined>> {
    const list = anyOf(this.db.dialect, 'id', ids);
    const rows = await this.db.all<{ id: number; volunteer_id: number; public_key: string | null }>(
      `SELECT id, volunteer_id, public_key FROM hosts WHERE ${list.sql}`,
      list.params,
    );
    const found = new Map(
      rows.map((r) => [Number(r.id), { id: Number(r.id), volunteerId: r.volunteer_id, publicKey: r.public_key }]),
    );
    return ids.map((id) => found.get(id));
  }

  useNonce(hostId: number, nonce: string, expiresAt: number): Promise<Host | undefined> {
    return this.nonces.call({ hostId, nonce, expiresAt });
  }

  async banOf(hostId: number): Promise<string | undefined> {
    return (await this.db.get<{ reason: string }>('SELECT reason FROM host_bans WHERE host_id = ?', [hostId]))?.reason;
  }

  refusalOf(hostId: number, network: string | undefined, now: number): Promise<string | undefined> {
    return refusalOf(this.db, hostId, network, now);
  }

  sharedSecret(name: string, fresh: string): Promise<string> {
    return sharedSecret(this.db, name, fresh);
  }

  async purgeNonces(now: number, limit: number): Promise<number> {
    // A range of the expiry index, about `limit` long (ties may add a few): the form `(host_id, nonce) IN (… LIMIT)`
    // let Postgres, with statistics from when the table was small, join against a scan of the whole table.
    const challenges = await purgeChallenges(this.db, now);
    const { changes } = await this.db.run(
      `DELETE FROM request_nonces WHERE expires_at < ? AND expires_at <= coalesce(
        (SELECT expires_at FROM request_nonces WHERE expires_at < ? ORDER BY expires_at LIMIT 1 OFFSET ?), ?)`,
      [now, now, limit, now],
    );
    return challenges + changes;
  }

  async volunteer(volunteerId: number): Promise<VolunteerAccount> {
    const row = (await this.db.get<{ name: string; eth_address: string | null; hosts: number }>(
      `SELECT name, eth_address, (SELECT count(*) FROM hosts WHERE volunteer_id = v.id) AS hosts
        FROM volunteers v WHERE id = ?`,
      [volunteerId],
    ))!;
    return { volunteerId, name: row.name, address: row.eth_address, hosts: Number(row.hosts) };
  }

  async renameVolunteer(volunteerId: number, name: string): Promise<void> {
    await this.db.run('UPDATE volunteers SET name = ? WHERE id = ?', [name, volunteerId]);
  }

  setVolunteerAddress(volunteerId: number, address: string): Promise<boolean> {
    return this.db.transaction(async (q) => {
      const holder = await q.get<{ id: number }>('SELECT id FROM volunteers WHERE eth_address = ?', [
        address.toLowerCase(),
      ]);
      if (holder && holder.id !== volunteerId) return false;
      await q.run('UPDATE volunteers SET eth_address = ? WHERE id = ?', [address.toLowerCase(), volunteerId]);
      return true;
    });
  }

  async createLinkCode(volunteerId: number, codeHash: string, expiresAt: number): Promise<void> {
    await this.db.run('INSERT INTO link_codes (code_hash, volunteer_id, expires_at) VALUES (?, ?, ?)', [
      codeHash,
      volunteerId,
      expiresAt,
    ]);
  }

  redeemLinkCode(hostId: number, codeHash: string, now: number): Promise<number | undefined> {
    return this.db.transaction(async (q) => {
      const code = await q.get<{ volunteer_id: number }>(
        `SELECT volunteer_id FROM link_codes WHERE code_hash = ? AND expires_at > ?${this.db.forUpdate}`,
        [codeHash, now],
      );
      if (!code) return undefined;
      const ban = await q.get<{ reason: string }>(
        'SELECT b.reason FROM volunteer_bans b JOIN hosts h ON h.volunteer_id = b.volunteer_id WHERE h.id = ?',
        [hostId],
      );
      if (ban) throw new VolunteerBannedError(hostId, ban.reason);
      const held = await q.get<{ n: number }>(
        `SELECT count(DISTINCT r.work_unit_id) AS n FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
          WHERE r.host_id = ? AND u.state = 'active' AND (r.server_state = 'in_progress'
            OR (r.outcome = 'success' AND r.validate_state IN ('init', 'inconclusive')))`,
        [hostId],
      );
      if (Number(held?.n ?? 0) > 0) throw new HostHoldsUnitsError(hostId, Number(held!.n));
      await q.run('DELETE FROM link_codes WHERE code_hash = ?', [codeHash]);
      await q.run('UPDATE hosts SET volunteer_id = ? WHERE id = ?', [code.volunteer_id, hostId]);
      return code.volunteer_id;
    });
  }

  hostSummary(hostId: number, now: number): Promise<HostSummary> {
    return summarize(this.db, hostId, now);
  }

  createBatch({ app, name, units, now }: { app: AppName; name: string; units: NewWorkUnit[]; now: number }) {
    return this.db.transaction((q) => insertBatch(q, this.db.dialect, { projectId: null, app, name, units, now }));
  }

  async findProject(shortName: string): Promise<number | undefined> {
    if (shortName === DEMO_PROJECT) return 0;
    // Names never change, so a short name once found stays valid; an unknown one is looked up again (it may be new).
    const known = this.projectsByShortName.get(shortName);
    if (known !== undefined) return known;
    for (const p of await this.db.all<{ id: number; name: string }>('SELECT id, name FROM projects')) {
      this.projectsByShortName.set(projectShortName(p.name), Number(p.id));
    }
    return this.projectsByShortName.get(shortName);
  }

  async projectShortName(projectId: number): Promise<string | undefined> {
    if (projectId === 0) return DEMO_PROJECT;
    for (const [shortName, id] of this.projectsByShortName) if (id === projectId) return shortName;
    const row = await this.db.get<{ name: string }>('SELECT name FROM projects WHERE id = ?', [projectId]);
    if (!row) return undefined;
    this.projectsByShortName.set(projectShortName(row.name), projectId);
    return projectShortName(row.name);
  }

  async countFreshUnits(app: AppName, atMost: number): Promise<number> {
    // The scheduler sends the oldest first, so fresh units are the newest: read the per-project queue index from
    // its end and stop early, so the cost stays flat however many siblings wait for a second volunteer.
    const rows = await this.db.all<{ work_unit_id: number }>(
      `SELECT r.work_unit_id FROM (SELECT id, work_unit_id FROM replicas
          WHERE project_id = 0 AND queued = 1 AND app = ? ORDER BY work_unit_id DESC, id DESC LIMIT ?) r
        WHERE NOT EXISTS (SELECT 1 FROM replicas s
          WHERE s.work_unit_id = r.work_unit_id AND s.server_state <> 'unsent')`,
      [app, atMost * 8],
    );
    return Math.min(atMost, new Set(rows.map((r) => Number(r.work_unit_id))).size);
  }

  issueReplicas(host: Host, ask: WorkAsk | number, now: number): Promise<IssuedReplica[]> {
    return this.scheduler.issue(host, typeof ask === 'number' ? { maxReplicas: ask } : ask, now);
  }

  async recordResults(host: Host, results: ResultToRecord[], now: number): Promise<RecordOutcome[]> {
    // Returned, not thrown, inside the batch: one host's foreign token must not send everyone's reports call by call.
    const outcomes = await this.reports.call({ host, results, now });
    if (outcomes instanceof ForeignReplicaError) throw outcomes;
    return outcomes;
  }

  async decideDue(
    queue: UnitQueue,
    now: number,
    limit: number,
    decide: (s: UnitWithReplicas) => UnitChanges,
  ): Promise<number> {
    const [where, order, params] =
      queue === 'transition' ? ['transition_at <= ?', 'transition_at', [now]] : ['need_validate = 1', 'id', []];
    // An idle pass runs every round: one plain statement then, not a transaction. (In order, so that Postgres reads
    // the queue's index: a plan made for any time would scan the whole table, expecting a match.)
    if (!(await this.db.get(`SELECT 1 AS one FROM work_units WHERE ${where} ORDER BY ${order} LIMIT 1`, params)))
      return 0;
    return this.db.transaction(async (q) => {
      // Units another process holds are skipped, not waited for: it takes its share and this one the next.
      const locked = await q.all<WorkUnitRow>(
        `SELECT * FROM work_units WHERE ${where} ORDER BY ${order} LIMIT ?${this.db.forUpdateSkipLocked}`,
        [...params, limit],
      );
      if (locked.length === 0) return 0;
      const { units, replicas } = await loadDue(q, this.db.dialect, queue, locked);
      const caught =
        queue === 'validate'
          ? await caughtSingles(
              q,
              this.db.dialect,
              units.filter((u) => u.single === 1).map((u) => u.id),
            )
          : new Set<number>();
      const guarded =
        queue === 'validate'
          ? await this.established.of(
              q,
              units.map((u) => u.app),
              now,
            )
          : new Set<string>();
      const loaded = units.map((row) => {
        const unit = toWorkUnit(row);
        if (caught.has(row.id)) unit.singleHostCaught = true;
        if (guarded.has(row.app)) unit.quorumNeedsEstablished = true;
        return { row, unit, replicas: (replicas.get(row.id) ?? []).map((r) => toReplica(r, row.app)) };
      });
      if (queue === 'transition') await markTails(q, this.db.dialect, loaded, now);
      else await priceCustomUnits(q, this.db.dialect, loaded);
      const decided = loaded.map((l) => ({ ...l, changes: decide({ unit: l.unit, replicas: l.replicas }) }));
      await applyDecisions(q, this.db.dialect, queue, decided, now);
      return units.length;
    });
  }

  async backlog(now: number, settleBefore: number, atMost: number): Promise<Backlog> {
    const upTo = (from: string) => `(SELECT count(*) FROM (SELECT 1 AS one FROM ${from} LIMIT ?) t)`;
    const row = (await this.db.get<Record<keyof Backlog, unknown>>(
      `SELECT ${upTo('work_units WHERE transition_at <= ?')} AS transition,
        ${upTo('work_units WHERE need_validate = 1')} AS validate,
        ${upTo('pending_credit')} AS credit,
        ${upTo('unsettled_credit WHERE validated_at <= ?')} AS settle,
        ${upTo('host_apps WHERE revoke_pending = 1')} AS revoke`,
      [now, atMost, atMost, atMost, settleBefore, atMost, atMost],
    ))!;
    return {
      transition: Number(row.transition),
      validate: Number(row.validate),
      credit: Number(row.credit),
      settle: Number(row.settle),
      revoke: Number(row.revoke),
    };
  }

  applyCredit(now: number, limit: number): Promise<number> {
    return applyCredit(this.db, now, limit);
  }

  settleCredit(before: number, limit: number): Promise<number> {
    return settleCredit(this.db, before, limit);
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
      `UPDATE replicas SET result = NULL WHERE id IN (
        SELECT r.id FROM work_units u JOIN replicas r ON r.work_unit_id = u.id
        WHERE u.done_at < ? AND r.result IS NOT NULL
          AND (u.canonical_replica_id IS NULL OR r.id <> u.canonical_replica_id)
        LIMIT ?)`,
      [before, limit],
    );
    return changes;
  }

  foldStatusCounts(limit: number): Promise<number> {
    return this.db.transaction(
      async (q) =>
        (await foldStatusDeltas(q, this.db.dialect, limit)) + (await foldErrorDeltas(q, this.db.dialect, limit)),
    );
  }

  foldActivity(limit: number, now: number): Promise<number> {
    return this.db.transaction((q) => foldActivityDeltas(q, this.db.dialect, limit, now));
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
}
