/**
 * @module server/store/sql/training-store
 * The TrainingStore over SQL (migration 13): jobs, rounds (each a batch of the job's project), model versions as
 * base64 f32, applied results, bans. Parameters are a few hundred thousand floats, so a version is about a megabyte
 * of text; only the newest is read in a round.
 */
import { AppOutput } from '../../../protocol/apps.ts';
import {
  TrainingHyper,
  TrainingJobSubmission,
  type TrainingJob,
  type TrainingJobState,
  type TrainingRound,
} from '../../../protocol/training-job.ts';
import type { ModelState, RoundClose, RoundDeal, RoundUnit, RunningJob, TrainingStore } from '../training.ts';
import { anyOf, bulkInsert } from './bulk.ts';
import { insertBatch, insertUnits } from './batches.ts';
import type { Db, Queryable } from './db.ts';
import { banCheater } from './identity-bans.ts';

interface JobRow {
  id: number;
  project_id: number;
  batch_id: number;
  name: string;
  model: string;
  dataset: string;
  rounds: number;
  hyper: string;
  state: string;
  created_at: number;
  version: number;
  banned: number;
}

interface RoundRow {
  round: number;
  base_version: number;
  opened_at: number;
  deadline: number;
  closed_at: number | null;
  updates: number;
  train_loss: number | null;
  heldout_loss: number | null;
  heldout_accuracy: number | null;
  dealt_again: number | null;
}

const JOB_COLUMNS = `j.id, j.project_id, j.batch_id, j.name, j.model, j.dataset, j.rounds, j.hyper, j.state,
  j.created_at, (SELECT max(version) FROM training_models m WHERE m.job_id = j.id) AS version,
  (SELECT count(*) FROM host_bans b WHERE b.host_id IN (SELECT r.host_id FROM replicas r
    JOIN work_units u ON u.id = r.work_unit_id WHERE u.batch_id = j.batch_id)) AS banned`;

const submissionOf = (r: JobRow): TrainingJobSubmission =>
  TrainingJobSubmission.parse({
    name: r.name,
    model: JSON.parse(r.model),
    dataset: r.dataset,
    rounds: Number(r.rounds),
    // A job stored before `innerLrFloor` existed ran its cosine to zero, one stored before `innerWeightDecay` without
    // a decay, and one stored before `labelSmoothing` on one-hot targets: each goes on as it was submitted.
    hyper: TrainingHyper.parse({ innerLrFloor: 0, innerWeightDecay: 0, labelSmoothing: 0, ...JSON.parse(r.hyper) }),
  });

const toSummary = (r: JobRow): Omit<TrainingJob, 'history'> => ({
  jobId: Number(r.id),
  batchId: Number(r.batch_id),
  ...submissionOf(r),
  state: r.state as TrainingJobState,
  version: Number(r.version ?? 0),
  bannedHosts: Number(r.banned),
  createdAt: Number(r.created_at),
});

const toRound = (r: RoundRow): TrainingRound => ({
  round: Number(r.round),
  baseVersion: Number(r.base_version),
  openedAt: Number(r.opened_at),
  deadline: Number(r.deadline),
  closedAt: r.closed_at === null ? null : Number(r.closed_at),
  updates: Number(r.updates),
  dealtAgain: Number(r.dealt_again ?? 0),
  trainLoss: r.train_loss,
  heldoutLoss: r.heldout_loss,
  heldoutAccuracy: r.heldout_accuracy,
});

/** f32 little-endian as base64, the way the model file carries it too (protocol/training-job.ts TrainedModel). */
export const floatsToBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

export function base64ToFloats(text: string): Float32Array {
  const bytes = Buffer.from(text, 'base64');
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** Units of expired rounds that are still undecided: no result of theirs will be applied, so none is wanted. */
async function failUnits(q: Queryable, unitIds: readonly number[], now: number) {
  for (const id of unitIds) {
    await q.run(
      `UPDATE replicas SET server_state = 'over', outcome = 'didnt_need'
        WHERE work_unit_id = ? AND server_state IN ('unsent', 'in_progress')`,
      [id],
    );
    await q.run(
      `UPDATE work_units SET state = 'failed', failure = 'its training round closed', done_at = ?, need_validate = 0,
        transition_at = NULL WHERE id = ? AND state = 'active' AND canonical_replica_id IS NULL`,
      [now, id],
    );
  }
}

export class SqlTrainingStore implements TrainingStore {
  private readonly db: Db;

  constructor(db: Db) {
    this.db = db;
  }

  createJob({
    projectId,
    submission,
    initial,
    now,
  }: {
    projectId: number;
    submission: TrainingJobSubmission;
    initial: ModelState;
    now: number;
  }) {
    return this.db.transaction(async (q) => {
      const batchId = await insertBatch(q, this.db.dialect, {
        projectId,
        app: 'training',
        name: submission.name,
        units: [],
        now,
      });
      const row = (await q.get<{ id: number }>(
        `INSERT INTO training_jobs (project_id, batch_id, name, model, dataset, rounds, hyper, staleness, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
        [
          projectId,
          batchId,
          submission.name,
          JSON.stringify(submission.model),
          submission.dataset,
          submission.rounds,
          JSON.stringify(submission.hyper),
          submission.hyper.maxStaleness,
          now,
        ],
      ))!;
      const jobId = Number(row.id);
      await insertModel(q, jobId, 0, initial, now);
      return jobId;
    });
  }

  async jobs(projectId: number) {
    const rows = await this.db.all<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM training_jobs j WHERE j.project_id = ? ORDER BY j.id DESC`,
      [projectId],
    );
    return rows.map(toSummary);
  }

  async job(projectId: number, jobId: number): Promise<TrainingJob | undefined> {
    const row = await this.db.get<JobRow>(
      `SELECT ${JOB_COLUMNS} FROM training_jobs j WHERE j.id = ? AND j.project_id = ?`,
      [jobId, projectId],
    );
    if (!row) return undefined;
    const rounds = await this.db.all<RoundRow>('SELECT * FROM training_rounds WHERE job_id = ? ORDER BY round', [
      jobId,
    ]);
    return { ...toSummary(row), history: rounds.map(toRound) };
  }

  cancelJob(projectId: number, jobId: number, now: number) {
    return this.db.transaction(async (q) => {
      const { changes } = await q.run(
        "UPDATE training_jobs SET state = 'cancelled' WHERE id = ? AND project_id = ? AND state = 'running'",
        [jobId, projectId],
      );
      if (changes === 0) return false;
      await q.run('UPDATE training_rounds SET closed_at = coalesce(closed_at, ?) WHERE job_id = ?', [now, jobId]);
      await failUnits(q, await undecidedUnits(q, this.db, 'AND t.job_id = ?', [jobId]), now);
      return true;
    });
  }

  async runningJobs(): Promise<RunningJob[]> {
    const rows = await this.db.all<JobRow>(`SELECT ${JOB_COLUMNS} FROM training_jobs j WHERE j.state = 'running'`);
    const jobs: RunningJob[] = [];
    for (const row of rows) {
      const open = await this.db.get<RoundRow>(
        'SELECT * FROM training_rounds WHERE job_id = ? AND closed_at IS NULL ORDER BY round LIMIT 1',
        [row.id],
      );
      const closed = await this.db.get<{ n: number }>(
        'SELECT count(*) AS n FROM training_rounds WHERE job_id = ? AND closed_at IS NOT NULL',
        [row.id],
      );
      const applied = await this.db.get<{ n: number }>(
        'SELECT count(*) AS n FROM training_rounds WHERE job_id = ? AND closed_at IS NOT NULL AND updates > 0',
        [row.id],
      );
      jobs.push({
        jobId: Number(row.id),
        projectId: Number(row.project_id),
        submission: submissionOf(row),
        version: Number(row.version ?? 0),
        open: open && {
          round: Number(open.round),
          baseVersion: Number(open.base_version),
          deadline: Number(open.deadline),
          dealtAgain: open.dealt_again === null ? null : Number(open.dealt_again),
        },
        closed: Number(closed?.n ?? 0),
        applied: Number(applied?.n ?? 0),
      });
    }
    return jobs;
  }

  async model(jobId: number, version?: number) {
    const row = await this.db.get<{
      version: number;
      params: string;
      momentum: string;
      aggregate: string | null;
      state: string;
    }>(
      `SELECT m.version, m.params, m.momentum, m.aggregate, j.state
        FROM training_models m JOIN training_jobs j ON j.id = m.job_id
        WHERE m.job_id = ? ${version === undefined ? '' : 'AND m.version = ?'} ORDER BY m.version DESC LIMIT 1`,
      version === undefined ? [jobId] : [jobId, version],
    );
    if (!row) return undefined;
    const params = base64ToFloats(row.params);
    return {
      version: Number(row.version),
      state: row.state as TrainingJobState,
      params,
      momentum: base64ToFloats(row.momentum),
      // A version stored before migration 24 kept no aggregate: the next round then centres on zero, as it did.
      aggregate: row.aggregate === null ? new Float32Array(params.length) : base64ToFloats(row.aggregate),
    };
  }

  openRound(p: {
    jobId: number;
    round: number;
    baseVersion: number;
    units: RoundUnit[];
    deadline: number;
    now: number;
  }): Promise<void> {
    return this.db.transaction(async (q) => {
      await addUnits(q, this.db, p);
      await q.run(
        `INSERT INTO training_rounds (job_id, round, base_version, opened_at, deadline, dealt_again)
          VALUES (?, ?, ?, ?, ?, 0)`,
        [p.jobId, p.round, p.baseVersion, p.now, p.deadline],
      );
    });
  }

  dealAgain(p: RoundDeal): Promise<boolean> {
    return this.db.transaction(async (q) => {
      // The job first, as cancelJob and closeRound lock it: two transactions never wait on each other's second lock.
      await q.get(`SELECT id FROM training_jobs WHERE id = ?${this.db.forUpdate}`, [p.jobId]);
      const open = await q.get<{ round: number }>(
        `SELECT round FROM training_rounds
          WHERE job_id = ? AND round = ? AND closed_at IS NULL AND dealt_again = 0${this.db.forUpdate}`,
        [p.jobId, p.round],
      );
      // Closed or dealt again already (by another process): nothing to do, and nothing dealt twice.
      if (!open) return false;
      // A result that came after the trainer read the round was not screened, and its shard may be among those to
      // deal again: nothing now, the next pass decides on every result.
      const screened = new Set(p.screened);
      const pending = await q.all<{ id: number }>(
        `SELECT r.id FROM training_units t JOIN work_units u ON u.id = t.unit_id
          JOIN replicas r ON r.id = u.canonical_replica_id
          WHERE t.job_id = ? AND t.round = ? AND r.validate_state = 'valid' AND r.result IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM training_updates a WHERE a.replica_id = r.id)`,
        [p.jobId, p.round],
      );
      if (pending.some((r) => !screened.has(Number(r.id)))) return false;
      const undecided = await undecidedUnits(q, this.db, 'AND t.job_id = ? AND t.round = ?', [p.jobId, p.round]);
      const holders = await refusedHolders(q, this.db, p);
      await bulkInsert(
        q,
        this.db.dialect,
        'training_updates',
        { replica_id: 'bigint', job_id: 'bigint', round: 'bigint' },
        p.refused.map((id) => [id, p.jobId, p.round]),
      );
      // A unit still out is dealt again in its place: a late result of it would train its shard twice.
      await failUnits(q, undecided, p.now);
      const ids = await addUnits(q, this.db, p);
      await bulkInsert(
        q,
        this.db.dialect,
        'unit_exclusions',
        { work_unit_id: 'bigint', volunteer_id: 'bigint', network: 'text' },
        ids.flatMap((id) => holders.map((h) => [id, Number(h.volunteer_id), h.network])),
      );
      await q.run('UPDATE training_rounds SET dealt_again = ?, deadline = ? WHERE job_id = ? AND round = ?', [
        p.units.length,
        p.deadline,
        p.jobId,
        p.round,
      ]);
      return true;
    });
  }

  async roundProgress(jobId: number, round: number) {
    const units = await this.db.get<{ n: number }>(
      `SELECT count(*) AS n FROM training_units t JOIN work_units u ON u.id = t.unit_id
        WHERE t.job_id = ? AND t.round = ? AND u.state <> 'failed'
          AND NOT EXISTS (SELECT 1 FROM training_updates a WHERE a.replica_id = u.canonical_replica_id)`,
      [jobId, round],
    );
    return { units: Number(units?.n ?? 0), reported: (await this.pendingUpdates(jobId, round, round)).length };
  }

  async pendingUpdates(jobId: number, from: number, to: number) {
    const rows = await this.db.all<{
      id: number;
      host_id: number;
      round: number;
      shard: number | null;
      result: string;
    }>(
      `SELECT r.id, r.host_id, t.round, t.shard, r.result FROM training_units t
        JOIN work_units u ON u.id = t.unit_id JOIN replicas r ON r.id = u.canonical_replica_id
        WHERE t.job_id = ? AND t.round >= ? AND t.round <= ? AND r.validate_state = 'valid' AND r.result IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM training_updates a WHERE a.replica_id = r.id)
          AND NOT EXISTS (SELECT 1 FROM host_bans b WHERE b.host_id = r.host_id)
        ORDER BY r.id`,
      [jobId, from, to],
    );
    return rows.map((r) => ({
      replicaId: Number(r.id),
      hostId: Number(r.host_id),
      round: Number(r.round),
      shard: r.shard === null ? null : Number(r.shard),
      // Stored as the output alone; the app is the unit's.
      result: AppOutput.parse({ app: 'training', output: JSON.parse(r.result) }),
    }));
  }

  closeRound(c: RoundClose): Promise<void> {
    return this.db.transaction(async (q) => {
      // The job first, as cancelJob and dealAgain lock it.
      await q.get(`SELECT id FROM training_jobs WHERE id = ?${this.db.forUpdate}`, [c.jobId]);
      const open = await q.get<{ base_version: number }>(
        `SELECT base_version FROM training_rounds
          WHERE job_id = ? AND round = ? AND closed_at IS NULL AND coalesce(dealt_again, -1) = ?${this.db.forUpdate}`,
        [c.jobId, c.round, c.dealtAgain ?? -1],
      );
      // Closed already, or dealt again since it was read (by another process): nothing to do, nothing applied twice.
      if (!open) return;
      const version = (await q.get<{ v: number }>('SELECT max(version) AS v FROM training_models WHERE job_id = ?', [
        c.jobId,
      ]))!;
      await insertModel(q, c.jobId, Number(version.v) + 1, c.next, c.now);
      for (const id of c.applied)
        await q.run('INSERT INTO training_updates (replica_id, job_id, round) VALUES (?, ?, ?)', [
          id,
          c.jobId,
          c.round,
        ]);
      await q.run(
        `UPDATE training_rounds SET closed_at = ?, updates = ?, train_loss = ?, heldout_loss = ?, heldout_accuracy = ?
          WHERE job_id = ? AND round = ?`,
        [c.now, c.stepped, c.trainLoss, c.heldoutLoss, c.heldoutAccuracy, c.jobId, c.round],
      );
      if (c.finished) await q.run("UPDATE training_jobs SET state = 'done' WHERE id = ?", [c.jobId]);
      const through = c.finished ? c.round : c.expireThrough;
      await failUnits(
        q,
        await undecidedUnits(q, this.db, 'AND t.job_id = ? AND t.round <= ?', [c.jobId, through]),
        c.now,
      );
    });
  }

  banCaught(app: string, reason: string, now: number) {
    return this.db.transaction(async (q) => {
      const caught = await q.all<{ host_id: number }>(
        `SELECT h.host_id FROM host_apps h WHERE h.app = ? AND h.invalid > 0
          AND NOT EXISTS (SELECT 1 FROM host_bans b WHERE b.host_id = h.host_id) ORDER BY h.host_id`,
        [app],
      );
      // The ban follows the person: the host's volunteer and network too (server/store/sql/identity-bans.ts).
      for (const { host_id } of caught) await banCheater(q, Number(host_id), app, reason, now);
      return caught.map((c) => Number(c.host_id));
    });
  }

  expireUnits(now: number) {
    return this.db.transaction(async (q) => {
      // A round is expired once a round closed beyond the job's staleness after it, or the job is over.
      const units = await undecidedUnits(
        q,
        this.db,
        `AND (j.state <> 'running' OR EXISTS (SELECT 1 FROM training_rounds l WHERE l.job_id = t.job_id
          AND l.closed_at IS NOT NULL AND l.round >= t.round + j.staleness))`,
        [],
      );
      await failUnits(q, units, now);
      return units.length;
    });
  }
}

async function insertModel(q: Queryable, jobId: number, version: number, state: ModelState, now: number) {
  await q.run(
    'INSERT INTO training_models (job_id, version, params, momentum, aggregate, created_at) VALUES (?, ?, ?, ?, ?, ?)',
    [
      jobId,
      version,
      floatsToBase64(state.params),
      floatsToBase64(state.momentum),
      floatsToBase64(state.aggregate),
      now,
    ],
  );
}

/**
 * Adds units to a round of the job: they join the job's batch (one replica unless recomputed, its result unverified
 * as adaptive replication's are) and the round, each with its shard.
 */
async function addUnits(
  q: Queryable,
  db: Db,
  p: { jobId: number; round: number; units: readonly RoundUnit[]; now: number },
) {
  const job = (await q.get<{ project_id: number; batch_id: number }>(
    `SELECT project_id, batch_id FROM training_jobs WHERE id = ?${db.forUpdate}`,
    [p.jobId],
  ))!;
  const batchId = Number(job.batch_id);
  const last = await q.get<{ id: number | null }>('SELECT max(id) AS id FROM work_units WHERE batch_id = ?', [batchId]);
  const after = Number(last?.id ?? 0);
  await insertUnits(q, db.dialect, {
    batchId,
    projectId: Number(job.project_id),
    app: 'training',
    units: p.units,
    now: p.now,
    after,
  });
  // insertUnits numbers the units in the order given (the scheduler's oldest-first order relies on it too).
  const ids = await q.all<{ id: number }>('SELECT id FROM work_units WHERE batch_id = ? AND id > ? ORDER BY id', [
    batchId,
    after,
  ]);
  for (const [i, { id }] of ids.entries())
    await q.run('INSERT INTO training_units (unit_id, job_id, round, shard) VALUES (?, ?, ?, ?)', [
      id,
      p.jobId,
      p.round,
      p.units[i]!.shard,
    ]);
  await q.run('UPDATE work_units SET single = 1 WHERE batch_id = ? AND id > ? AND min_quorum = 1', [batchId, after]);
  return ids.map((r) => Number(r.id));
}

/**
 * The volunteers and networks that hold a refused result of the round (either replica of a recomputed unit: they
 * agreed), or one of its units without a result (still out, timed out, or ended in an error): none of them is sent a
 * unit the round deals again. Were they, a team whose updates the screen refused could ask first and take back every
 * shard dealt again.
 */
async function refusedHolders(q: Queryable, db: Db, p: { jobId: number; round: number; refused: readonly number[] }) {
  const refused = p.refused.length > 0 ? anyOf(db.dialect, 'x.id', p.refused) : undefined;
  return q.all<{ volunteer_id: number; network: string | null }>(
    `SELECT DISTINCT r.volunteer_id, r.network FROM replicas r JOIN training_units t ON t.unit_id = r.work_unit_id
      WHERE r.volunteer_id IS NOT NULL AND ((t.job_id = ? AND t.round = ?
        AND (r.server_state = 'in_progress' OR r.outcome IN ('client_error', 'no_reply')))
        ${refused ? `OR r.work_unit_id IN (SELECT x.work_unit_id FROM replicas x WHERE ${refused.sql})` : ''})`,
    [p.jobId, p.round, ...(refused?.params ?? [])],
  );
}

/** Active units without a canonical result of the job rounds that `where` picks (t: the unit's round, j: its job). */
async function undecidedUnits(q: Queryable, db: Db, where: string, params: readonly number[]): Promise<number[]> {
  const rows = await q.all<{ id: number }>(
    `SELECT u.id FROM work_units u JOIN training_units t ON t.unit_id = u.id
      JOIN training_jobs j ON j.id = t.job_id
      WHERE u.state = 'active' AND u.canonical_replica_id IS NULL ${where} ORDER BY u.id${db.forUpdate}`,
    params,
  );
  return rows.map((r) => Number(r.id));
}
