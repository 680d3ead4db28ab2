/**
 * @module server/store/sql/research-store
 * The ResearchStore over SQL, for SQLite and Postgres alike (the same Db as the core store). A project's batches
 * are found through batches.project_id; every read of a batch checks it, so one project never sees another's.
 */
import type { ProjectAbout } from '../../../protocol/about.ts';
import { DEMO_PROJECT, projectShortName } from '../../../protocol/project-name.ts';
import type { Project, ProjectSettings } from '../../../protocol/research.ts';
import type { Researcher } from '../research-access.ts';
import { ProjectNameTakenError, type ResearchStore } from '../research.ts';
import type { AppName, NewWorkUnit } from '../types.ts';
import type { Db } from './db.ts';
import { insertBatch } from './batches.ts';
import { batchUnitCounts } from './batch-counts.ts';
import * as accounts from './research-accounts.ts';
import { partnerLeaderboard, projectPartners } from './partners.ts';
import { projectCatalog, updateAbout } from './project-about.ts';
import { leaderboard, publicStatus } from './public-board.ts';
import { batchActivity } from './activity-figures.ts';
import { batchErrors } from './batch-errors.ts';
import { ACTIVE_WINDOW_MS, estimateCompletion, throughput, validatedSince, type UnitSet } from './research-progress.ts';

export const DEFAULT_SETTINGS: ProjectSettings = {
  limits: { minQuorum: 2, targetNresults: 2, maxErrorResults: 3, maxTotalResults: 6, delayBoundS: 86_400 },
  priority: 0,
  resourceShare: 100,
};

interface ProjectRow {
  id: number;
  name: string;
  min_quorum: number;
  target_nresults: number;
  max_error_results: number;
  max_total_results: number;
  delay_bound_s: number;
  priority: number;
  resource_share: number;
  created_at: number;
  run_by: string;
  purpose: string;
}

const toProject = (r: ProjectRow): Project => ({
  id: Number(r.id),
  name: r.name,
  shortName: projectShortName(r.name),
  about: { runBy: r.run_by, purpose: r.purpose },
  settings: {
    limits: {
      minQuorum: r.min_quorum,
      targetNresults: r.target_nresults,
      maxErrorResults: r.max_error_results,
      maxTotalResults: r.max_total_results,
      delayBoundS: r.delay_bound_s,
    },
    priority: r.priority,
    resourceShare: Number(r.resource_share),
  },
  createdAt: Number(r.created_at),
});

const settingsParams = ({ limits: l, priority, resourceShare }: ProjectSettings) => [
  l.minQuorum,
  l.targetNresults,
  l.maxErrorResults,
  l.maxTotalResults,
  l.delayBoundS,
  priority,
  resourceShare,
];

const ofBatch = (batchId: number): UnitSet => ({ where: 'u.batch_id = ?', params: [batchId] });

export class SqlResearchStore implements ResearchStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  createProject({
    name,
    researcherName,
    keyHash,
    keyPrefix,
    settings = DEFAULT_SETTINGS,
    now,
  }: Parameters<ResearchStore['createProject']>[0]) {
    return this.db.transaction(async (q): Promise<Researcher> => {
      if (await q.get('SELECT 1 AS x FROM projects WHERE name = ?', [name])) throw new ProjectNameTakenError(name);
      // A widget names its project by short name, so two projects must not share one (nor take the demo's).
      const short = projectShortName(name);
      const others = await q.all<{ name: string }>('SELECT name FROM projects');
      const clash = short === DEMO_PROJECT || (short !== '' && others.some((p) => projectShortName(p.name) === short));
      if (clash) throw new ProjectNameTakenError(name, short);
      const project = (await q.get<{ id: number }>(
        `INSERT INTO projects (name, min_quorum, target_nresults, max_error_results, max_total_results, delay_bound_s,
          priority, resource_share, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [name, ...settingsParams(settings), now],
      ))!;
      const researcher = (await q.get<{ id: number }>(
        'INSERT INTO researchers (project_id, name, created_at) VALUES (?, ?, ?) RETURNING id',
        [project.id, researcherName, now],
      ))!;
      await accounts.insertApiKey(q, Number(researcher.id), { keyHash, keyPrefix: keyPrefix ?? null }, now);
      return { projectId: Number(project.id), researcherId: Number(researcher.id) };
    });
  }

  findResearcherByKeyHash(keyHash: string) {
    return accounts.findResearcherByKeyHash(this.db, keyHash);
  }
  touchApiKey(keyId: number, now: number) {
    return accounts.touchApiKey(this.db, keyId, now);
  }
  projectAccess(projectId: number, currentKeyId: number) {
    return accounts.projectAccess(this.db, projectId, currentKeyId);
  }
  addResearcher(params: Parameters<ResearchStore['addResearcher']>[0]) {
    return accounts.addResearcher(this.db, params);
  }
  createApiKey(params: Parameters<ResearchStore['createApiKey']>[0]) {
    return accounts.createApiKey(this.db, params);
  }
  revokeApiKey(projectId: number, keyId: number, now: number) {
    return accounts.revokeApiKey(this.db, projectId, keyId, now);
  }

  async project(projectId: number): Promise<Project | undefined> {
    const row = await this.db.get<ProjectRow>('SELECT * FROM projects WHERE id = ?', [projectId]);
    return row && toProject(row);
  }

  async updateSettings(projectId: number, settings: ProjectSettings): Promise<Project> {
    const row = await this.db.get<ProjectRow>(
      `UPDATE projects SET min_quorum = ?, target_nresults = ?, max_error_results = ?, max_total_results = ?,
        delay_bound_s = ?, priority = ?, resource_share = ? WHERE id = ? RETURNING *`,
      [...settingsParams(settings), projectId],
    );
    if (!row) throw new RangeError(`no project ${projectId}`);
    return toProject(row);
  }

  createProjectBatch({
    projectId,
    app,
    name,
    units,
    now,
  }: {
    projectId: number;
    app: AppName;
    name: string;
    units: NewWorkUnit[];
    now: number;
  }) {
    return this.db.transaction((q) => insertBatch(q, this.db.dialect, { projectId, app, name, units, now }));
  }

  cancelBatch(projectId: number, batchId: number, now: number) {
    return this.db.transaction(async (q) => {
      if (!(await q.get('SELECT 1 AS x FROM batches WHERE id = ? AND project_id = ?', [batchId, projectId])))
        return undefined;
      // Lock the undecided units as the passes' decideDue does, so a quorum being decided now is never overwritten.
      const units = await q.all<{ id: number }>(
        `SELECT id FROM work_units WHERE batch_id = ? AND state = 'active' AND canonical_replica_id IS NULL
          ORDER BY id${this.db.forUpdate}`,
        [batchId],
      );
      for (const { id } of units) {
        await q.run(
          `UPDATE replicas SET server_state = 'over', outcome = 'didnt_need'
            WHERE work_unit_id = ? AND server_state IN ('unsent', 'in_progress')`,
          [id],
        );
        await q.run(
          `UPDATE work_units SET state = 'failed', failure = 'cancelled by the researcher', done_at = ?,
            need_validate = 0, transition_at = NULL WHERE id = ? AND canonical_replica_id IS NULL`,
          [now, id],
        );
      }
      return units.length;
    });
  }

  async batchIds(projectId: number): Promise<number[]> {
    const rows = await this.db.all<{ id: number }>('SELECT id FROM batches WHERE project_id = ? ORDER BY id DESC', [
      projectId,
    ]);
    return rows.map((r) => Number(r.id));
  }

  async batchProgress(projectId: number, batchId: number, now: number) {
    const batch = await this.db.get<{ name: string; app: AppName; created_at: number }>(
      'SELECT name, app, created_at FROM batches WHERE id = ? AND project_id = ?',
      [batchId, projectId],
    );
    if (!batch) return undefined;
    const set = ofBatch(batchId);
    const createdAt = Number(batch.created_at);
    // About sixty buckets over the batch's life so far, a second at least.
    const bucketMs = Math.max(1000, Math.ceil((now - createdAt) / 60_000) * 1000);
    const window = Math.min(ACTIVE_WINDOW_MS, now - createdAt);
    // Kept as the batch's units change (batch-counts.ts): a dashboard's refresh does not count them.
    const units = await batchUnitCounts(this.db, batchId);
    const recent = await validatedSince(this.db, set, now - window);
    return {
      batchId,
      name: batch.name,
      app: batch.app,
      createdAt,
      units,
      // Kept as its replicas change (activity-counts.ts, batch-errors.ts): a refresh reads the batch's rows.
      ...(await batchActivity(this.db, batchId, now)),
      throughput: await throughput(this.db, set, bucketMs),
      bucketMs,
      estimatedCompletion: estimateCompletion(units.waiting + units.inProgress, recent, window, now),
      errors: await batchErrors(this.db, batchId),
      at: now,
    };
  }

  async canonicalResults(projectId: number, batchId: number, afterUnitId: number, limit: number) {
    if (!(await this.db.get('SELECT 1 AS x FROM batches WHERE id = ? AND project_id = ?', [batchId, projectId])))
      return undefined;
    const rows = await this.db.all<{
      unit_id: number;
      replica_id: number;
      app: AppName;
      input: string;
      result: string;
      validated_at: number | null;
    }>(
      `SELECT u.id AS unit_id, r.id AS replica_id, u.app, u.input, r.result, r.validated_at
        FROM work_units u JOIN replicas r ON r.id = u.canonical_replica_id
        WHERE u.batch_id = ? AND u.id > ? AND r.result IS NOT NULL ORDER BY u.id LIMIT ?`,
      [batchId, afterUnitId, limit],
    );
    return rows.map((r) => ({
      workUnitId: Number(r.unit_id),
      replicaId: Number(r.replica_id),
      app: r.app,
      input: JSON.parse(r.input) as unknown,
      output: JSON.parse(r.result) as unknown,
      validatedAt: r.validated_at === null ? null : Number(r.validated_at),
    }));
  }

  projectPartners(projectId: number, limit: number) {
    return projectPartners(this.db, projectId, limit);
  }

  partnerLeaderboard(limit: number) {
    return partnerLeaderboard(this.db, limit);
  }

  publicStatus(now: number) {
    return publicStatus(this.db, now);
  }

  leaderboard(limit: number, now: number, you?: number) {
    return leaderboard(this.db, limit, now, you);
  }

  projectCatalog() {
    return projectCatalog(this.db);
  }

  async updateAbout(projectId: number, about: ProjectAbout): Promise<Project> {
    if (!(await updateAbout(this.db, projectId, about))) throw new RangeError(`no project ${projectId}`);
    return (await this.project(projectId))!;
  }
}
