/**
 * @module server/http/training
 * The researchers' training jobs, under /api/research/training-jobs (behind the research API's key check): submit a
 * job, list the project's, follow one (its rounds' losses and held-out accuracy), cancel it, and download its model.
 * A job of another project answers 404, exactly as one that does not exist.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { TrainedModel, TrainingJob, TrainingJobList, TrainingJobSubmission } from '../../protocol/training-job.ts';
import { initialState } from '../training/model-state.ts';
import type { TrainingStore } from '../store/training.ts';
import { floatsToBase64 } from '../store/sql/training-store.ts';
import { InvalidRequestError, NotFoundError } from './errors.ts';
import { parseBody } from './parse.ts';
import type { ResearchEnv } from './research-auth.ts';

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const Version = z.coerce.number().int().min(0).max(1_000_000).optional();

function jobIdOf(c: Context): number {
  const parsed = Id.safeParse(c.req.param('id'));
  if (!parsed.success) throw new InvalidRequestError('training job id', parsed.error);
  return parsed.data;
}

const noJob = (id: number) => new NotFoundError(`no training job ${id} in your project`);

export function trainingRoutes(training: TrainingStore) {
  const jobOf = async (c: Context<ResearchEnv>) => {
    const id = jobIdOf(c);
    const job = await training.job(c.get('researcher').projectId, id);
    if (!job) throw noJob(id);
    return job;
  };
  return new Hono<ResearchEnv>()
    .post('/', async (c) => {
      const submission = await parseBody(c, TrainingJobSubmission, 'training job');
      const { projectId } = c.get('researcher');
      const now = Date.now();
      const jobId = await training.createJob({ projectId, submission, initial: initialState(submission), now });
      return c.json(TrainingJob.parse(await training.job(projectId, jobId)), 201);
    })
    .get('/', async (c) => c.json(TrainingJobList.parse({ jobs: await training.jobs(c.get('researcher').projectId) })))
    .get('/:id', async (c) => c.json(TrainingJob.parse(await jobOf(c))))
    .post('/:id/cancel', async (c) => {
      const job = await jobOf(c);
      await training.cancelJob(c.get('researcher').projectId, job.jobId, Date.now());
      return c.json(TrainingJob.parse(await jobOf(c)));
    })
    .get('/:id/model', async (c) => {
      const job = await jobOf(c);
      const version = Version.safeParse(c.req.query('version'));
      if (!version.success) throw new InvalidRequestError('query parameter "version"', version.error);
      const model = await training.model(job.jobId, version.data);
      if (!model) throw new NotFoundError(`training job ${job.jobId} has no model version ${version.data}`);
      const round = job.history.find((r) => r.closedAt !== null && r.baseVersion + 1 === model.version);
      c.header('content-disposition', `attachment; filename="${fileName(job.name)}-v${model.version}.json"`);
      return c.json(
        TrainedModel.parse({
          format: 'terraflop-model/1',
          model: job.model,
          dataset: job.dataset,
          jobId: job.jobId,
          version: model.version,
          heldoutAccuracy: round?.heldoutAccuracy ?? null,
          params: floatsToBase64(model.params),
        }),
      );
    });
}

/** A file name from a job's name: letters, digits and dashes. */
const fileName = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 60) || 'model';
