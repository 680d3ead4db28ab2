/**
 * @module server/store/sql/scheduler
 * The scheduler (BOINC's sched_send): answers a host's work request with unsent replicas it can run, never two of
 * one unit to one volunteer, project by project in the order of project-order.ts, until the host's buffer of seconds
 * (at its measured speed) or its count is filled; marks them in progress with their deadlines. The requests that
 * arrive together are served together (server/store/batcher.ts), in one transaction of a few statements whatever
 * their number, in the order they came. On Postgres the units handed out are locked, and units another process
 * holds are skipped, not waited for, so two processes never issue one replica twice.
 */
import { issueAsSingle } from '../trust.ts';
import { Batcher } from '../batcher.ts';
import { projectOrder, type ProjectShare } from '../project-order.ts';
import type { Host, IssuedReplica, WorkAsk } from '../types.ts';
import { anyOf, bulkUpdate, type Dialect } from './bulk.ts';
import type { Db, Queryable } from './db.ts';
import { DEFAULT_MEMORY_MB, UNMEASURED_FLOPS } from './host-speed.ts';
import { toWorkUnit } from './rows.ts';
import { UnitPool, type PoolShared, type PoolUnit } from './unit-pool.ts';

/** How long this process keeps the table of projects' priorities and shares before reading it again. */
const PROJECTS_TTL_MS = 1_000;
/** The coordinator's own batches (the demo) form project 0, at the default priority and share. */
const OWN_PROJECT: ProjectShare = { id: 0, priority: 0, share: 100 };

interface Request {
  host: Host;
  ask: WorkAsk;
  now: number;
}

/** What the scheduler reads of an asking host: its measured speed, current volunteer and trust per app. */
interface AskingHost {
  flops: number;
  volunteerId: number;
  /** As recorded; the request's own network, when it has one, replaces it. */
  network: string | null;
  /** Per app: consecutive verified results, and catches (invalid results) so far. */
  trust: Map<string, { consecutive: number; catches: number }>;
}

interface Issue {
  replicaId: number;
  unit: PoolUnit;
  host: Host & { volunteerId: number; network: string | null };
  sentAt: number;
  deadline: number;
}

/** One batch's state: the pools read so far, and what has been handed out. */
class Round {
  readonly pools = new Map<string, UnitPool>();
  readonly shared: PoolShared = { units: new Map(), issued: new Set() };
  readonly issues: Issue[] = [];
  /** Replicas the requests not yet served may still take: how far a pool reads ahead when it runs dry. */
  demand: number;
  constructor(demand: number) {
    this.demand = demand;
  }
}

export class Scheduler {
  private projects: { list: ProjectShare[]; readAt: number } | undefined;
  private readonly db: Db;
  private readonly random: () => number;
  private readonly batcher: Batcher<Request, IssuedReplica[]>;

  constructor(db: Db, random: () => number) {
    this.db = db;
    this.random = random;
    this.batcher = new Batcher((requests) => this.serve(requests));
  }

  issue(host: Host, ask: WorkAsk, now: number): Promise<IssuedReplica[]> {
    return this.batcher.call({ host, ask, now });
  }

  private serve(requests: Request[]): Promise<IssuedReplica[][]> {
    return this.db.transaction(async (q) => {
      const round = new Round(requests.reduce((sum, r) => sum + r.ask.maxReplicas, 0));
      const hosts = await askingHosts(
        q,
        this.db.dialect,
        requests.map((r) => r.host.id),
      );
      const answers: IssuedReplica[][] = [];
      const moved = new Map<number, string>();
      for (const request of requests) {
        const host = hosts.get(request.host.id);
        const network = request.ask.network;
        if (host && network !== undefined && network !== host.network) {
          host.network = network;
          moved.set(request.host.id, network);
        }
        answers.push(host ? await this.fill(q, round, request, host) : []);
        round.demand -= request.ask.maxReplicas;
      }
      await recordNetworks(q, this.db.dialect, moved);
      await this.send(q, round);
      return answers;
    });
  }

  /** Hands one request its replicas, project by project, until its count or buffer of seconds is filled. */
  private async fill(
    q: Queryable,
    round: Round,
    { host, ask, now }: Request,
    asking: AskingHost,
  ): Promise<IssuedReplica[]> {
    const can = ask.capabilities ?? { webgpu: false, memoryMb: DEFAULT_MEMORY_MB };
    const speed = ask.bufferSeconds === undefined ? 0 : asking.flops;
    const issued: IssuedReplica[] = [];
    let plannedS = 0;
    const full = () =>
      issued.length >= ask.maxReplicas ||
      (ask.bufferSeconds !== undefined && issued.length > 0 && plannedS >= ask.bufferSeconds);
    const take = async (order: number[]) => {
      for (const projectId of order) {
        const key = `${projectId}/${can.webgpu}/${can.memoryMb}`;
        let pool = round.pools.get(key);
        if (!pool) {
          pool = new UnitPool(this.db, projectId, can, round.shared);
          round.pools.set(key, pool);
        }
        while (!full()) {
          const next = await pool.next(q, asking, round.demand - issued.length);
          if (!next) break;
          const { unit } = next;
          unit.volunteers.add(asking.volunteerId);
          if (asking.network !== null) unit.networks.add(asking.network);
          // Adaptive replication: a trusted host may get a fresh unit as its only replica (see server/store/trust.ts).
          const trust = asking.trust.get(unit.row.app);
          if (trust && issueAsSingle(trust.consecutive, this.random) && maySendSingle(unit, next.replicaId, round)) {
            unit.single = true;
            // The host's catches as read now: any catch after this (even one committing meanwhile) differs.
            unit.singleMark = trust.catches;
          }
          const work = toWorkUnit(unit.row);
          const deadline = now + work.delayBoundS * 1000;
          round.issues.push({
            replicaId: next.replicaId,
            unit,
            host: { id: host.id, volunteerId: asking.volunteerId, network: asking.network },
            sentAt: now,
            deadline,
          });
          issued.push({
            replicaId: next.replicaId,
            workUnitId: work.id,
            projectId,
            deadline,
            flopsEstimate: work.flopsEstimate,
            job: work.job,
          });
          plannedS += speed > 0 ? work.flopsEstimate / speed : 0;
        }
      }
    };
    if (ask.projectId !== undefined) {
      await take([ask.projectId]);
    } else {
      const known = await this.projectShares(q, false);
      await take(projectOrder(known, this.random));
      // Nothing found with a table up to a second old: a project created since may have work.
      if (issued.length === 0) {
        const tried = new Set(known.map((p) => p.id));
        await take(
          projectOrder(
            (await this.projectShares(q, true)).filter((p) => !tried.has(p.id)),
            this.random,
          ),
        );
      }
    }
    return issued;
  }

  /**
   * Writes the round: its replicas in progress with their hosts and deadlines, the units' next deadline for the
   * transitioner, and units sent as single replicas with their other replicas no longer needed.
   */
  private async send(q: Queryable, round: Round): Promise<void> {
    if (round.issues.length === 0) return;
    const dialect = this.db.dialect;
    await bulkUpdate(
      q,
      dialect,
      {
        table: 'replicas',
        key: { id: 'bigint' },
        columns: {
          server_state: 'text',
          host_id: 'bigint',
          volunteer_id: 'bigint',
          network: 'text',
          sent_at: 'bigint',
          deadline: 'bigint',
        },
      },
      round.issues.map((i) => [
        i.replicaId,
        'in_progress',
        i.host.id,
        i.host.volunteerId,
        i.host.network,
        i.sentAt,
        i.deadline,
      ]),
    );
    const units = new Map<number, { unit: PoolUnit; deadline: number }>();
    for (const i of round.issues) {
      const seen = units.get(i.unit.row.id);
      units.set(i.unit.row.id, { unit: i.unit, deadline: Math.min(seen?.deadline ?? Infinity, i.deadline) });
    }
    // A unit already due for the transitioner before this deadline, and not turned single, is left alone: on
    // Postgres even an update that changes nothing writes a new version of the row.
    const changed = [...units.values()].filter(
      ({ unit: { row, single }, deadline }) => single || row.transition_at === null || deadline < row.transition_at,
    );
    if (changed.length > 0) {
      await bulkUpdate(
        q,
        dialect,
        {
          table: 'work_units',
          key: { id: 'bigint' },
          columns: {
            transition_at: 'bigint',
            min_quorum: 'bigint',
            target_nresults: 'bigint',
            single: 'bigint',
            single_mark: 'bigint',
          },
        },
        changed.map(({ unit: { row, single, singleMark }, deadline }) => [
          row.id,
          row.transition_at === null ? deadline : Math.min(row.transition_at, deadline),
          single ? 1 : row.min_quorum,
          single ? 1 : row.target_nresults,
          single ? 1 : row.single,
          single ? (singleMark ?? null) : row.single_mark,
        ]),
      );
    }
    const sent = new Set(round.issues.map((i) => i.replicaId));
    const unneeded = [...units.values()].flatMap(({ unit }) =>
      unit.single ? unit.replicas.filter((r) => r.server_state === 'unsent' && !sent.has(r.id)).map((r) => r.id) : [],
    );
    if (unneeded.length > 0) {
      const ids = anyOf(dialect, 'id', unneeded);
      await q.run(`UPDATE replicas SET server_state = 'over', outcome = 'didnt_need' WHERE ${ids.sql}`, ids.params);
    }
  }

  /** Every project's priority and share, read at most once a second per process unless `fresh`. */
  private async projectShares(q: Queryable, fresh: boolean): Promise<ProjectShare[]> {
    const now = Date.now();
    if (fresh || !this.projects || now - this.projects.readAt > PROJECTS_TTL_MS) {
      const rows = await q.all<{ id: number; priority: number; resource_share: number }>(
        'SELECT id, priority, resource_share FROM projects ORDER BY id',
      );
      const list = [
        OWN_PROJECT,
        ...rows.map((r) => ({ id: Number(r.id), priority: Number(r.priority), share: Number(r.resource_share) })),
      ];
      this.projects = { list, readAt: now };
    }
    return this.projects.list;
  }
}

/**
 * A unit may go out as a single replica only while it is replicated and untouched: no replica of it sent yet, in
 * the database or earlier in this round, so no host can learn whether its copy is checked (BOINC hides replication
 * for the same reason).
 */
function maySendSingle(unit: PoolUnit, replicaId: number, round: Round): boolean {
  const { row } = unit;
  if (row.single === 1 || row.min_quorum <= 1 || row.canonical_replica_id !== null) return false;
  // A replicated training unit is the trainer's recomputation (server/training/round.ts), already a random few.
  if (row.app === 'training') return false;
  if (unit.replicas.some((r) => r.id !== replicaId && r.server_state !== 'unsent')) return false;
  return !round.issues.some((i) => i.unit === unit);
}

/** The asking hosts' speed, volunteer and trust per app, in one statement. */
async function askingHosts(q: Queryable, dialect: Dialect, hostIds: number[]): Promise<Map<number, AskingHost>> {
  const ids = anyOf(dialect, 'h.id', [...new Set(hostIds)]);
  const rows = await q.all<{
    id: number;
    flops: number | null;
    volunteer_id: number;
    network: string | null;
    app: string | null;
    consecutive_valid: number | null;
    invalid: number | null;
  }>(
    `SELECT h.id, h.flops, h.volunteer_id, h.network, a.app, a.consecutive_valid, a.invalid
      FROM hosts h LEFT JOIN host_apps a ON a.host_id = h.id
      WHERE ${ids.sql}`,
    ids.params,
  );
  const hosts = new Map<number, AskingHost>();
  for (const r of rows) {
    let host = hosts.get(Number(r.id));
    if (!host) {
      host = {
        flops: r.flops ?? UNMEASURED_FLOPS,
        volunteerId: Number(r.volunteer_id),
        network: r.network,
        trust: new Map(),
      };
      hosts.set(Number(r.id), host);
    }
    if (r.app !== null) host.trust.set(r.app, { consecutive: Number(r.consecutive_valid), catches: Number(r.invalid) });
  }
  return hosts;
}

/** Hosts seen on a network other than the one recorded: the newest is theirs (in id order, as credit locks hosts). */
async function recordNetworks(q: Queryable, dialect: Dialect, moved: Map<number, string>): Promise<void> {
  if (moved.size === 0) return;
  await bulkUpdate(
    q,
    dialect,
    { table: 'hosts', key: { id: 'bigint' }, columns: { network: 'text' } },
    [...moved].sort(([a], [b]) => a - b),
  );
}
