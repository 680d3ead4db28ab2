/**
 * @module server/store/sql/unit-pool
 * The scheduler's view of one project's queue during one batch of work requests (BOINC's feeder, for the length of
 * a transaction): the oldest units with unsent replicas that hosts of these capabilities can run, locked on
 * Postgres (units another process holds are skipped, not waited for), with every replica of each so that the
 * scheduler can keep a unit from two hosts of one volunteer and knows whether any copy of it was sent yet.
 * It reads on from where it stopped whenever the hosts of the batch need more than it holds.
 */
import type { UnitNeeds } from '../types.ts';
import { anyOf } from './bulk.ts';
import type { Db, Queryable } from './db.ts';
import type { WorkUnitRow } from './rows.ts';

export interface PoolReplica {
  id: number;
  work_unit_id: number;
  volunteer_id: number | null;
  network: string | null;
  server_state: string;
  outcome: string | null;
  validate_state: string;
  /** Whether its host was established for the app when it was sent (null: sent before migration 18, or never). */
  established: number | null;
  /** A tail replica: for a reliable host only (server/store/tail.ts). */
  tail: number;
}

export interface PoolUnit {
  row: WorkUnitRow;
  replicas: PoolReplica[];
  /** Volunteers holding a replica of the unit, from the database and from this batch. */
  volunteers: Set<number>;
  /** Networks of the hosts holding a replica of the unit, likewise: one network never holds two replicas of a unit. */
  networks: Set<string>;
  /** Went out as a single replica in this batch: its other replicas are no longer needed. */
  single: boolean;
  /** Its replicas that may still count in its quorum (out, or reported and not invalid), and of those, how many went
   * to an established host: with live replicas but no established one, only an established host may take the next. */
  live: number;
  liveEstablished: number;
  /** Its first replica went out in this batch: the others wait (sibling_at), and none goes in this batch. */
  waiting: boolean;
  /** With `single`: the host's catches when it was sent (work_units.single_mark). */
  singleMark?: number;
}

/**
 * What the pools of one batch share: a unit read by two pools (hosts of different capabilities) is one object, so
 * that a volunteer or a single issue recorded through one pool holds in the other, and a replica handed out
 * through one pool is never handed out again through the other.
 */
export interface PoolShared {
  units: Map<number, PoolUnit>;
  issued: Set<number>;
}

/** Unsent replicas read per step, at least and at most; in between, twice what the batch still asks for. */
const STEP = 64;
const MAX_STEP = 2048;

export class UnitPool {
  /** Units this pool has read (each pool reads the units its hosts can run). */
  private readonly seen = new Set<number>();
  /** Unsent replicas in queue order, with their units; each leaves the pool when issued. */
  private readonly unsent: Array<{ replicaId: number; unit: PoolUnit; tail: boolean }> = [];
  private after = { unit: 0, replica: 0 };
  private exhausted = false;
  private readonly db: Db;
  private readonly projectId: number;
  private readonly can: UnitNeeds;
  private readonly shared: PoolShared;

  constructor(db: Db, projectId: number, can: UnitNeeds, shared: PoolShared) {
    this.db = db;
    this.projectId = projectId;
    this.can = can;
    this.shared = shared;
  }

  /**
   * The next unsent replica a host of this volunteer on this network (null: unknown) may take, reading on while none
   * is left (enough for `want` replicas a step); undefined when the queue holds none for it.
   */
  async next(
    q: Queryable,
    asker: { volunteerId: number; network: string | null; mayTake(unit: PoolUnit, tail: boolean): boolean },
    want: number,
  ): Promise<{ replicaId: number; unit: PoolUnit } | undefined> {
    const { volunteerId, network } = asker;
    for (;;) {
      const i = this.unsent.findIndex(
        (c) =>
          !c.unit.single &&
          !c.unit.waiting &&
          !c.unit.volunteers.has(volunteerId) &&
          (network === null || !c.unit.networks.has(network)) &&
          !this.shared.issued.has(c.replicaId) &&
          asker.mayTake(c.unit, c.tail),
      );
      if (i >= 0) {
        const [next] = this.unsent.splice(i, 1);
        this.shared.issued.add(next!.replicaId);
        return next;
      }
      if (this.exhausted) return undefined;
      await this.read(q, Math.min(MAX_STEP, Math.max(STEP, want * 2)));
    }
  }

  /**
   * One step along the queue: its head from the queue index alone, then the units this pool's hosts can run,
   * locked (joined in one statement, Postgres may plan the join from the units' primary key instead).
   */
  private async read(q: Queryable, limit: number): Promise<void> {
    const head = await q.all<{ id: number; work_unit_id: number }>(
      `SELECT id, work_unit_id FROM replicas WHERE project_id = ? AND queued = 1 AND (work_unit_id, id) > (?, ?)
        ORDER BY work_unit_id, id LIMIT ?`,
      [this.projectId, this.after.unit, this.after.replica, limit],
    );
    if (head.length < limit) this.exhausted = true;
    if (head.length === 0) return;
    const last = head[head.length - 1]!;
    this.after = { unit: last.work_unit_id, replica: last.id };
    const fresh = [...new Set(head.map((h) => h.work_unit_id))].filter((id) => !this.seen.has(id));
    if (fresh.length === 0) return;
    const ids = anyOf(this.db.dialect, 'id', fresh);
    const rows = await q.all<WorkUnitRow>(
      `SELECT * FROM work_units u WHERE ${ids.sql} AND state = 'active' AND canonical_replica_id IS NULL
        AND (need_webgpu = 0 OR ? = 1) AND need_memory_mb <= ? ORDER BY id${this.db.forUpdateSkipLocked}`,
      [...ids.params, Number(this.can.webgpu), this.can.memoryMb],
    );
    if (rows.length === 0) return;
    const units = anyOf(
      this.db.dialect,
      'work_unit_id',
      rows.map((r) => r.id),
    );
    // Read after the lock: every change to a unit's replicas locks the unit first, so these are current.
    const replicas = await q.all<PoolReplica>(
      `SELECT id, work_unit_id, volunteer_id, network, server_state, outcome, validate_state, established, tail
        FROM replicas WHERE ${units.sql} ORDER BY id`,
      units.params,
    );
    const byUnit = new Map<number, PoolReplica[]>();
    for (const r of replicas) {
      if (!byUnit.has(r.work_unit_id)) byUnit.set(r.work_unit_id, []);
      byUnit.get(r.work_unit_id)!.push(r);
    }
    const excluded = await this.exclusions(q, rows);
    for (const row of rows) {
      this.seen.add(row.id);
      let unit = this.shared.units.get(row.id);
      if (!unit) {
        const mine = byUnit.get(row.id) ?? [];
        const live = mine.filter(isLive);
        // Holders it may not go to again: its replicas' and those its exclusions name.
        const holders: Holder[] = [...mine, ...(excluded.get(row.id) ?? [])];
        unit = {
          row,
          replicas: mine,
          volunteers: new Set(holders.flatMap((r) => (r.volunteer_id === null ? [] : [r.volunteer_id]))),
          networks: new Set(holders.flatMap((r) => (r.network === null ? [] : [r.network]))),
          single: false,
          live: live.length,
          liveEstablished: live.filter((r) => r.established === 1).length,
          waiting: false,
        };
        this.shared.units.set(row.id, unit);
      }
      for (const r of unit.replicas) {
        if (r.server_state === 'unsent') this.unsent.push({ replicaId: r.id, unit, tail: Number(r.tail) === 1 });
      }
    }
  }

  /**
   * The volunteers and networks each unit may not go to besides its replicas' holders (unit_exclusions, migration
   * 28). Only a training round's units dealt again have any, so other apps' units cost no query.
   */
  private async exclusions(q: Queryable, rows: readonly WorkUnitRow[]): Promise<Map<number, Holder[]>> {
    const training = rows.filter((r) => r.app === 'training').map((r) => r.id);
    const byUnit = new Map<number, Holder[]>();
    if (training.length === 0) return byUnit;
    const ids = anyOf(this.db.dialect, 'work_unit_id', training);
    const found = await q.all<Holder & { work_unit_id: number }>(
      `SELECT work_unit_id, volunteer_id, network FROM unit_exclusions WHERE ${ids.sql}`,
      ids.params,
    );
    for (const e of found) byUnit.set(Number(e.work_unit_id), [...(byUnit.get(Number(e.work_unit_id)) ?? []), e]);
    return byUnit;
  }
}

type Holder = { volunteer_id: number | null; network: string | null };

/** A replica that may still count in its unit's quorum: out with a host, or reported and not judged invalid. */
const isLive = (r: PoolReplica) =>
  r.server_state === 'in_progress' || (r.outcome === 'success' && r.validate_state !== 'invalid');
