/**
 * @module server/store/sql/scheduler
 * The scheduler (BOINC's sched_send): answers a host's work request with unsent replicas it can run, never two of
 * one unit to one volunteer, project by project in the order of project-order.ts, until the host's buffer of seconds
 * (at its measured speed) or its count is filled; marks them in progress with their deadlines. The requests that
 * arrive together are served together (server/store/batcher.ts), in one transaction of a few statements whatever
 * their number, in the order they came. On Postgres the units handed out are locked, and units another process
 * holds are skipped, not waited for, so two processes never issue one replica twice.
 */
import { AppName } from '../../../protocol/apps.ts';
import { isEstablished, issueAsSingle } from '../trust.ts';
import { isReliable, overdueAt } from '../tail.ts';
import { Batcher } from '../batcher.ts';
import type { ReplicaTokens } from '../replica-tokens.ts';
import { projectOrder, type ProjectShare } from '../project-order.ts';
import type { Host, IssuedReplica, WorkAsk } from '../types.ts';
import { anyOf, bulkUpdate, type Dialect } from './bulk.ts';
import type { Db, Queryable } from './db.ts';
import { DEFAULT_MEMORY_MB, UNMEASURED_FLOPS } from './host-speed.ts';
import { toWorkUnit } from './rows.ts';
import {
  DEFAULT_HOSTS_PER,
  dailyQuota,
  dayOf,
  deadlineFor,
  type HostRecord,
  type HostsPer,
  inProgressCap,
  MAX_BUFFER_S,
  NEW_HOST_DAILY,
  type SharedUse,
  sharedRoom,
} from '../quota.ts';
import { EstablishedHosts } from './established.ts';
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
  /** Per app: consecutive verified results, valid results, and catches (invalid results) so far. */
  trust: Map<string, { consecutive: number; valid: number; catches: number }>;
  createdAt: number;
  /** Its record over all apps, which sets its quotas (server/store/quota.ts). */
  record: HostRecord;
  /** Replicas it holds now, and took on its current day (UTC): counted on as this batch hands out more. */
  inProgress: number;
  day: number;
  takenToday: number;
}

interface Issue {
  replicaId: number;
  unit: PoolUnit;
  established: boolean;
  host: Host & { volunteerId: number; network: string | null };
  sentAt: number;
  deadline: number;
}

/** One batch's state: the pools read so far, and what has been handed out. */
class Round {
  readonly pools = new Map<string, UnitPool>();
  readonly shared: PoolShared = { units: new Map(), issued: new Set() };
  readonly issues: Issue[] = [];
  /** Apps with established hosts, whose quorums need one. */
  guarded = new Set<string>();
  /** What the asking hosts' volunteers and networks hold and took today, counted on as this batch hands out more. */
  use: { volunteers: Map<number, SharedUse>; networks: Map<string, SharedUse> } = {
    volunteers: new Map(),
    networks: new Map(),
  };
  /** Replicas the requests not yet served may still take: how far a pool reads ahead when it runs dry. */
  demand: number;
  /** Names the replicas handed out to their hosts. */
  readonly tokens: ReplicaTokens;
  constructor(demand: number, tokens: ReplicaTokens) {
    this.demand = demand;
    this.tokens = tokens;
  }
}

/**
 * How long a unit's sibling replicas wait after its first replica is sent, drawn uniformly between `minMs` and
 * `maxMs` per unit (server/config.ts TERRAFLOP_SIBLING_WAIT_S). Undefined: no wait, siblings are queued at once.
 */
export interface SiblingWait {
  minMs: number;
  maxMs: number;
}

export class Scheduler {
  private projects: { list: ProjectShare[]; readAt: number } | undefined;
  private readonly db: Db;
  private readonly random: () => number;
  private readonly siblingWait: SiblingWait | undefined;
  private readonly hostsPer: HostsPer;
  private readonly newHostDaily: number;
  private readonly established = new EstablishedHosts();
  private readonly batcher: Batcher<Request, IssuedReplica[]>;
  private readonly tokens: () => Promise<ReplicaTokens>;

  constructor(
    db: Db,
    random: () => number,
    tokens: () => Promise<ReplicaTokens>,
    {
      siblingWait,
      hostsPer = DEFAULT_HOSTS_PER,
      newHostDaily = NEW_HOST_DAILY,
    }: { siblingWait?: SiblingWait; hostsPer?: HostsPer; newHostDaily?: number } = {},
  ) {
    this.db = db;
    this.random = random;
    this.tokens = tokens;
    this.hostsPer = hostsPer;
    this.newHostDaily = newHostDaily;
    this.siblingWait = siblingWait && siblingWait.maxMs > 0 ? siblingWait : undefined;
    this.batcher = new Batcher((requests) => this.serve(requests));
  }

  issue(host: Host, ask: WorkAsk, now: number): Promise<IssuedReplica[]> {
    return this.batcher.call({ host, ask, now });
  }

  private async serve(requests: Request[]): Promise<IssuedReplica[][]> {
    // Read before the transaction: the key's first read is a transaction of its own.
    const tokens = await this.tokens();
    return this.db.transaction(async (q) => {
      const round = new Round(
        requests.reduce((sum, r) => sum + r.ask.maxReplicas, 0),
        tokens,
      );
      // The apps whose quorums need an established host: a unit of one whose live replicas are all with hosts that
      // are not goes to an established host only (server/store/trust.ts).
      round.guarded = await this.established.of(q, AppName.options, requests[0]!.now);
      const hosts = await askingHosts(
        q,
        this.db.dialect,
        requests.map((r) => r.host.id),
      );
      const moved = new Map<number, string>();
      for (const request of requests) {
        const host = hosts.get(request.host.id);
        const network = request.ask.network;
        if (host && network !== undefined && network !== host.network) {
          host.network = network;
          moved.set(request.host.id, network);
        }
      }
      round.use = await sharedUse(q, this.db.dialect, [...hosts.values()], dayOf(requests[0]!.now));
      const answers: IssuedReplica[][] = [];
      const taken = new Map<number, AskingHost>();
      for (const request of requests) {
        const host = hosts.get(request.host.id);
        const issued = host ? await this.fill(q, round, request, host) : [];
        if (host && issued.length > 0) {
          if (host.day !== dayOf(request.now)) Object.assign(host, { day: dayOf(request.now), takenToday: 0 });
          host.inProgress += issued.length;
          host.takenToday += issued.length;
          for (const use of usesOf(round, host)) {
            use.held += issued.length;
            use.today += issued.length;
          }
          taken.set(request.host.id, host);
        }
        answers.push(issued);
        round.demand -= request.ask.maxReplicas;
      }
      await recordNetworks(q, this.db.dialect, moved);
      await recordTaken(q, this.db.dialect, taken);
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
    const bufferS = ask.bufferSeconds === undefined ? undefined : Math.min(ask.bufferSeconds, MAX_BUFFER_S);
    // The work ahead of each replica, at the host's measured speed (unmeasured: a slow phone's): what it holds
    // already (taken to be of the first new unit's size) and what this answer gives it before.
    let aheadS: number | undefined;
    const issued: IssuedReplica[] = [];
    let plannedS = 0;
    // A new host holds a few replicas at most, and takes few a day; both grow with its valid results.
    const today = asking.day === dayOf(now) ? asking.takenToday : 0;
    // And its volunteer's and network's hosts together take a few hosts' worth at most (server/store/quota.ts).
    const [volunteerUse, networkUse] = usesOf(round, asking);
    const allowed = Math.min(
      ask.maxReplicas,
      inProgressCap(asking.record) - asking.inProgress,
      dailyQuota(asking.record, this.newHostDaily) - today,
      sharedRoom(asking.record, this.hostsPer, volunteerUse!, networkUse, this.newHostDaily),
    );
    const full = () => issued.length >= allowed || (bufferS !== undefined && issued.length > 0 && plannedS >= bufferS);
    const take = async (order: number[]) => {
      for (const projectId of order) {
        const key = `${projectId}/${can.webgpu}/${can.memoryMb}`;
        let pool = round.pools.get(key);
        if (!pool) {
          pool = new UnitPool(this.db, projectId, can, round.shared);
          round.pools.set(key, pool);
        }
        const established = (app: string) => {
          const t = asking.trust.get(app);
          return t !== undefined && isEstablished({ ...t, invalid: t.catches, createdAt: asking.createdAt }, now);
        };
        // A tail replica goes to a reliable host only (server/store/tail.ts).
        const reliable = (app: string) => {
          const t = asking.trust.get(app);
          return t !== undefined && isReliable({ ...t, invalid: t.catches, createdAt: asking.createdAt }, now);
        };
        const mayTake = (unit: PoolUnit, tail: boolean) =>
          (!tail || reliable(unit.row.app)) &&
          (!round.guarded.has(unit.row.app) ||
            unit.live === 0 ||
            unit.liveEstablished > 0 ||
            established(unit.row.app));
        while (!full()) {
          const next = await pool.next(
            q,
            { volunteerId: asking.volunteerId, network: asking.network, mayTake },
            round.demand - issued.length,
          );
          if (!next) break;
          const { unit } = next;
          unit.volunteers.add(asking.volunteerId);
          if (asking.network !== null) unit.networks.add(asking.network);
          const isEst = established(unit.row.app);
          unit.live += 1;
          if (isEst) unit.liveEstablished += 1;
          // Adaptive replication: a trusted host may get a fresh unit as its only replica (see server/store/trust.ts).
          const trust = asking.trust.get(unit.row.app);
          if (trust && issueAsSingle(trust.consecutive, this.random) && maySendSingle(unit, next.replicaId, round)) {
            unit.single = true;
            // The host's catches as read now: any catch after this (even one committing meanwhile) differs.
            unit.singleMark = trust.catches;
          }
          const work = toWorkUnit(unit.row);
          const unitS = work.flopsEstimate / asking.flops;
          aheadS = (aheadS ?? asking.inProgress * unitS) + unitS;
          const deadline = deadlineFor(now, aheadS, work.delayBoundS);
          // The first replica out: its siblings wait, to go to a host drawn from later askers (see send).
          if (this.siblingWait && !unit.single && unit.row.sibling_at === null && unit.row.app !== 'training') {
            unit.waiting = true;
          }
          round.issues.push({
            replicaId: next.replicaId,
            unit,
            established: isEst,
            host: { id: host.id, volunteerId: asking.volunteerId, network: asking.network },
            sentAt: now,
            deadline,
          });
          issued.push({
            replicaId: next.replicaId,
            workUnitId: work.id,
            token: round.tokens.tokenOf(next.replicaId),
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
          established: 'bigint',
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
        Number(i.established),
      ]),
    );
    const units = new Map<number, { unit: PoolUnit; deadline: number; siblingAt: number | null }>();
    for (const i of round.issues) {
      const seen = units.get(i.unit.row.id);
      // A waiting unit's siblings are made by the transitioner at sibling_at, which wakes it then.
      const siblingAt = seen?.siblingAt ?? (i.unit.waiting ? i.sentAt + this.drawWait() : i.unit.row.sibling_at);
      // The transitioner looks at the unit when its replica becomes overdue for the tail (server/store/tail.ts).
      const wake = overdueAt(i.sentAt, i.deadline);
      const due = Math.min(seen?.deadline ?? Infinity, wake, i.unit.waiting ? siblingAt! : Infinity);
      units.set(i.unit.row.id, { unit: i.unit, deadline: due, siblingAt });
    }
    // A unit already due for the transitioner before this deadline, and not turned single or waiting, is left alone:
    // on Postgres even an update that changes nothing writes a new version of the row.
    const changed = [...units.values()].filter(
      ({ unit: { row, single, waiting }, deadline }) =>
        single || waiting || row.transition_at === null || deadline < row.transition_at,
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
            sibling_at: 'bigint',
          },
        },
        changed.map(({ unit: { row, single, singleMark }, deadline, siblingAt }) => [
          row.id,
          row.transition_at === null ? deadline : Math.min(row.transition_at, deadline),
          single ? 1 : row.min_quorum,
          single ? 1 : row.target_nresults,
          single ? 1 : row.single,
          single ? (singleMark ?? null) : row.single_mark,
          siblingAt,
        ]),
      );
    }
    const sent = new Set(round.issues.map((i) => i.replicaId));
    const unsentOf = (unit: PoolUnit) =>
      unit.replicas.filter((r) => r.server_state === 'unsent' && !sent.has(r.id)).map((r) => r.id);
    const unneeded = [...units.values()].flatMap(({ unit }) => (unit.single ? unsentOf(unit) : []));
    if (unneeded.length > 0) {
      const ids = anyOf(dialect, 'id', unneeded);
      await q.run(`UPDATE replicas SET server_state = 'over', outcome = 'didnt_need' WHERE ${ids.sql}`, ids.params);
    }
    // A waiting unit's unsent siblings leave the queue: never sent, nothing refers to them, and the transitioner
    // makes the replicas its quorum still needs at sibling_at, queued for whoever asks after that.
    const withheld = [...units.values()].flatMap(({ unit }) => (unit.waiting ? unsentOf(unit) : []));
    if (withheld.length > 0) {
      const ids = anyOf(dialect, 'id', withheld);
      await q.run(`DELETE FROM replicas WHERE ${ids.sql}`, ids.params);
    }
  }

  /** A unit's wait for its siblings, drawn uniformly from the configured range. */
  private drawWait(): number {
    const { minMs, maxMs } = this.siblingWait!;
    return Math.round(minMs + this.random() * (maxMs - minMs));
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
    created_at: number;
    volunteer_id: number;
    network: string | null;
    quota_day: number;
    quota_used: number;
    app: string | null;
    consecutive_valid: number | null;
    valid: number | null;
    invalid: number | null;
    errors: number | null;
  }>(
    `SELECT h.id, h.flops, h.created_at, h.volunteer_id, h.network, h.quota_day, h.quota_used,
        a.app, a.consecutive_valid, a.valid, a.invalid, a.errors
      FROM hosts h LEFT JOIN host_apps a ON a.host_id = h.id
      WHERE ${ids.sql}`,
    ids.params,
  );
  const holding = anyOf(dialect, 'host_id', [...new Set(hostIds)]);
  // In progress means not yet reported: still 'init' (replicas_host's second column), and the row says the rest.
  const held = new Map(
    (
      await q.all<{ host_id: number; n: number }>(
        `SELECT host_id, count(*) AS n FROM replicas WHERE ${holding.sql} AND validate_state = 'init'
          AND server_state = 'in_progress' GROUP BY host_id`,
        holding.params,
      )
    ).map((r) => [Number(r.host_id), Number(r.n)]),
  );
  const hosts = new Map<number, AskingHost>();
  for (const r of rows) {
    let host = hosts.get(Number(r.id));
    if (!host) {
      host = {
        flops: r.flops ?? UNMEASURED_FLOPS,
        volunteerId: Number(r.volunteer_id),
        network: r.network,
        createdAt: Number(r.created_at),
        trust: new Map(),
        record: { valid: 0, invalid: 0, errors: 0 },
        inProgress: held.get(Number(r.id)) ?? 0,
        day: Number(r.quota_day),
        takenToday: Number(r.quota_used),
      };
      hosts.set(Number(r.id), host);
    }
    if (r.app !== null) {
      host.trust.set(r.app, {
        consecutive: Number(r.consecutive_valid),
        valid: Number(r.valid),
        catches: Number(r.invalid),
      });
      host.record.valid += Number(r.valid);
      host.record.invalid += Number(r.invalid);
      host.record.errors += Number(r.errors);
    }
  }
  return hosts;
}

/** The use of the host's volunteer, and of its network when known, in this round (made on first sight). */
function usesOf(round: Round, host: AskingHost): SharedUse[] {
  const of = <K>(map: Map<K, SharedUse>, key: K) => {
    const use = map.get(key) ?? { held: 0, today: 0 };
    map.set(key, use);
    return use;
  };
  const { volunteers, networks } = round.use;
  return [of(volunteers, host.volunteerId), ...(host.network === null ? [] : [of(networks, host.network)])];
}

/**
 * What the hosts of the asking hosts' volunteers and networks hold now (not yet reported) and took today: one
 * statement over the hosts' volunteer and network indexes, a row per such host, summed here.
 */
async function sharedUse(q: Queryable, dialect: Dialect, asking: AskingHost[], day: number): Promise<Round['use']> {
  const volunteers = anyOf(dialect, 'h.volunteer_id', [...new Set(asking.map((h) => h.volunteerId))]);
  const known = [...new Set(asking.flatMap((h) => (h.network === null ? [] : [h.network])))];
  const networks = known.length > 0 ? anyOf(dialect, 'h.network', known, 'text') : undefined;
  const rows = await q.all<{ volunteer_id: number; network: string | null; held: number; today: number }>(
    `SELECT h.volunteer_id, h.network, CASE WHEN h.quota_day = ? THEN h.quota_used ELSE 0 END AS today,
        (SELECT count(*) FROM replicas r WHERE r.host_id = h.id AND r.validate_state = 'init'
          AND r.server_state = 'in_progress') AS held
      FROM hosts h WHERE ${volunteers.sql}${networks ? ` OR ${networks.sql}` : ''}`,
    [day, ...volunteers.params, ...(networks?.params ?? [])],
  );
  const use: Round['use'] = { volunteers: new Map(), networks: new Map() };
  const add = <K>(map: Map<K, SharedUse>, key: K, r: { held: number; today: number }) => {
    const u = map.get(key) ?? { held: 0, today: 0 };
    map.set(key, { held: u.held + Number(r.held), today: u.today + Number(r.today) });
  };
  for (const r of rows) {
    add(use.volunteers, Number(r.volunteer_id), r);
    if (r.network !== null) add(use.networks, r.network, r);
  }
  return use;
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

/** What the hosts served took today, for their daily quotas (in id order, as the credit pass locks hosts). */
async function recordTaken(q: Queryable, dialect: Dialect, taken: Map<number, AskingHost>): Promise<void> {
  if (taken.size === 0) return;
  await bulkUpdate(
    q,
    dialect,
    { table: 'hosts', key: { id: 'bigint' }, columns: { quota_day: 'bigint', quota_used: 'bigint' } },
    [...taken].sort(([a], [b]) => a - b).map(([id, h]) => [id, h.day, h.takenToday]),
  );
}
