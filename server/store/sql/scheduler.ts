/**
 * @module server/store/sql/scheduler
 * The scheduler (BOINC's sched_send): answers a host's work request with unsent replicas it can run, never two of
 * one unit to one volunteer, project by project in the order of project-order.ts, until the host's buffer of seconds
 * (at its measured speed) or its count is filled; marks them in progress with their deadlines. A few statements per
 * request whatever its size. On Postgres the chosen rows are locked, and rows another process holds are skipped,
 * not waited for, so two processes never issue one replica twice.
 */
import { issueAsSingle } from '../../passes/trust.ts';
import { projectOrder, type ProjectShare } from '../project-order.ts';
import type { Host, IssuedReplica, WorkAsk } from '../types.ts';
import { bulkUpdate, type Dialect } from './bulk.ts';
import type { Db, Queryable } from './db.ts';
import { issueSingle, mayIssueSingle, trustOf } from './adaptive.ts';
import { DEFAULT_MEMORY_MB, hostSpeed } from './host-speed.ts';
import { toWorkUnit, type WorkUnitRow } from './rows.ts';

/** How long this process keeps the table of projects' priorities and shares before reading it again. */
const PROJECTS_TTL_MS = 1_000;
/** The coordinator's own batches (the demo) form project 0, at the default priority and share. */
const OWN_PROJECT: ProjectShare = { id: 0, priority: 0, share: 100 };

type Candidate = WorkUnitRow & { replica_id: number };

export class Scheduler {
  private projects: { list: ProjectShare[]; readAt: number } | undefined;
  private readonly db: Db;
  private readonly random: () => number;

  constructor(db: Db, random: () => number) {
    this.db = db;
    this.random = random;
  }

  issue(host: Host, ask: WorkAsk, now: number): Promise<IssuedReplica[]> {
    return this.db.transaction(async (q) => {
      const speed = ask.bufferSeconds === undefined ? 0 : await hostSpeed(q, host.id);
      const chosen: Candidate[] = [];
      let plannedS = 0;
      const full = () => chosen.length >= ask.maxReplicas || (ask.bufferSeconds !== undefined && chosen.length > 0 && plannedS >= ask.bufferSeconds);
      const take = async (order: number[]) => {
        for (const projectId of order) {
          if (full()) break;
          for (const c of await this.candidates(q, host, ask, projectId, ask.maxReplicas - chosen.length)) {
            if (full()) break;
            chosen.push(c);
            plannedS += speed > 0 ? c.flops_estimate / speed : 0;
          }
        }
      };
      if (ask.projectId !== undefined) {
        await take([ask.projectId]);
      } else {
        const known = await this.projectShares(q, false);
        await take(projectOrder(known, this.random));
        // Nothing found with a table up to a second old: a project created since may have work.
        if (chosen.length === 0) {
          const tried = new Set(known.map((p) => p.id));
          await take(projectOrder((await this.projectShares(q, true)).filter((p) => !tried.has(p.id)), this.random));
        }
      }
      return chosen.length === 0 ? [] : this.send(q, host, chosen, now);
    });
  }

  /** Oldest unsent replicas of one project that this host can run, at most one per unit, none of a unit its volunteer holds. */
  private async candidates(q: Queryable, host: Host, ask: WorkAsk, projectId: number, max: number): Promise<Candidate[]> {
    const can = ask.capabilities ?? { webgpu: false, memoryMb: DEFAULT_MEMORY_MB };
    // A unit may have several unsent replicas, adjacent by id: read a little more than asked, keep one per unit,
    // and read on from the last row seen while short.
    const seen = new Set<number>();
    const chosen: Candidate[] = [];
    let after = 0;
    for (;;) {
      const limit = max * 2;
      const rows = await q.all<Candidate>(
        `SELECT r.id AS replica_id, u.* FROM replicas r JOIN work_units u ON u.id = r.work_unit_id
          WHERE r.project_id = ? AND r.server_state = 'unsent' AND r.id > ? AND (u.need_webgpu = 0 OR ? = 1)
          AND u.need_memory_mb <= ?
          AND NOT EXISTS (SELECT 1 FROM replicas o WHERE o.volunteer_id = ? AND o.work_unit_id = r.work_unit_id)
          ORDER BY r.id LIMIT ?${this.db.forUpdateSkipLocked ? ' FOR UPDATE OF r, u SKIP LOCKED' : ''}`,
        [projectId, after, Number(can.webgpu), can.memoryMb, host.volunteerId, limit],
      );
      for (const c of rows) if (chosen.length < max && !seen.has(c.id) && seen.add(c.id)) chosen.push(c);
      if (chosen.length >= max || rows.length < limit) return chosen;
      after = rows[rows.length - 1]!.replica_id;
    }
  }

  /** Marks the chosen replicas in progress, with their deadlines, and makes the transitioner watch those deadlines. */
  private async send(q: Queryable, host: Host, chosen: Candidate[], now: number): Promise<IssuedReplica[]> {
    const trust = await trustOf(q, host.id);
    const issued: IssuedReplica[] = [];
    for (const c of chosen) {
      const unit = toWorkUnit(c);
      // Adaptive replication: a trusted host may get a fresh unit as its only replica (see passes/trust.ts).
      if (issueAsSingle(trust.get(c.app) ?? 0, this.random) && (await mayIssueSingle(q, unit, c.replica_id))) {
        await issueSingle(q, unit.id, c.replica_id);
      }
      issued.push({ replicaId: c.replica_id, workUnitId: unit.id, deadline: now + unit.delayBoundS * 1000, flopsEstimate: unit.flopsEstimate, job: unit.job });
    }
    const dialect: Dialect = this.db.dialect;
    await bulkUpdate(q, dialect, {
      table: 'replicas',
      key: { id: 'bigint' },
      columns: { server_state: 'text', host_id: 'bigint', volunteer_id: 'bigint', sent_at: 'bigint', deadline: 'bigint' },
    }, issued.map((r) => [r.replicaId, 'in_progress', host.id, host.volunteerId, now, r.deadline]));
    await bulkUpdate(q, dialect, { table: 'work_units', key: { id: 'bigint' }, columns: { transition_at: 'bigint' } },
      chosen.map((c, i) => [c.id, c.transition_at === null ? issued[i]!.deadline : Math.min(c.transition_at, issued[i]!.deadline)]));
    return issued;
  }

  /** Every project's priority and share, read at most once a second per process unless `fresh`. */
  private async projectShares(q: Queryable, fresh: boolean): Promise<ProjectShare[]> {
    const now = Date.now();
    if (fresh || !this.projects || now - this.projects.readAt > PROJECTS_TTL_MS) {
      const rows = await q.all<{ id: number; priority: number; resource_share: number }>(
        'SELECT id, priority, resource_share FROM projects ORDER BY id',
      );
      const list = [OWN_PROJECT, ...rows.map((r) => ({ id: Number(r.id), priority: Number(r.priority), share: Number(r.resource_share) }))];
      this.projects = { list, readAt: now };
    }
    return this.projects.list;
  }
}
