/**
 * @module server/http/research
 * The researchers' API, under /api/research, every route behind an API key: the project and its settings, batch
 * submission, progress (also live, as server-sent events), canonical results as JSON lines, and the partner sites
 * whose widgets computed the project's work. A batch of another
 * project answers 404, exactly as a batch that does not exist, so a key learns nothing about others' work.
 */
import { Hono, type Context } from 'hono';
import { stream } from 'hono/streaming';
import { z } from 'zod';
import {
  BatchCancelled,
  BatchCreated,
  BatchList,
  BatchSubmission,
  BatchProgress,
  Project,
  ProjectSettings,
} from '../../protocol/research.ts';
import { ProjectAbout } from '../../protocol/about.ts';
import { ProjectPartners } from '../../protocol/partner.ts';
import { batchUnits } from '../research/batch-units.ts';
import type { ResearchStore } from '../store/research.ts';
import { ApiError, InvalidRequestError, NotFoundError, OperatorSettingError } from './errors.ts';
import { parseBody } from './parse.ts';
import { accessRoutes } from './research-access.ts';
import { requireResearcher, type ResearchEnv } from './research-auth.ts';
import { StreamCaps } from './stream-caps.ts';
import type { AppStore } from '../store/apps.ts';
import type { TrainingStore } from '../store/training.ts';
import { trainingRoutes } from './training.ts';

export interface ResearchOptions {
  /** How often a live progress stream sends the batch's progress. */
  progressIntervalMs?: number;
  /** Aborted when the coordinator shuts down: live streams end, so the HTTP server can close. */
  closing?: AbortSignal | undefined;
  /** Live streams allowed per API key and per project; STREAMS_PER_KEY and STREAMS_PER_PROJECT by default. */
  streams?: StreamCaps | undefined;
  /** Researchers' own apps, to check that a batch's custom units name a version of the project's own. */
  apps?: AppStore | undefined;
  /** Training jobs (/api/research/training-jobs); absent, there are none. */
  training?: TrainingStore | undefined;
}

const Id = z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER);
const After = z.coerce.number().int().min(0).max(Number.MAX_SAFE_INTEGER).default(0);
const RESULTS_PAGE = 500;
const PartnerLimit = z.coerce.number().int().min(1).max(1000).default(100);

function batchIdOf(c: Context): number {
  const parsed = Id.safeParse(c.req.param('id'));
  if (!parsed.success) throw new InvalidRequestError('batch id', parsed.error);
  return parsed.data;
}

const noBatch = (id: number) => new NotFoundError(`no batch ${id} in your project`);

/** A custom unit names no registered version of the project's own apps, or not that version's module. */
export class UnknownAppError extends ApiError {
  override name = 'UnknownAppError' as const;
  constructor(unit: number, problem: string) {
    super(400, `units.${unit}: ${problem}`, { issues: [{ path: `units.${unit}.input`, message: problem }] });
  }
}

/** A custom unit must name a registered version of one of the project's own apps, with that version's module hash. */
async function checkCustomUnits(submission: BatchSubmission, projectId: number, apps: AppStore | undefined) {
  for (const [i, unit] of submission.units.entries()) {
    if (unit.app !== 'custom') continue;
    const { name, version, moduleSha256 } = unit.input;
    const found = await apps?.version(name, version);
    if (!found || found.projectId !== projectId)
      throw new UnknownAppError(i, `your project has no app ${name} version ${version}`);
    if (found.moduleSha256 !== moduleSha256)
      throw new UnknownAppError(i, `moduleSha256 is not that of ${name} version ${version}`);
  }
}

export function researchRoutes(
  research: ResearchStore,
  { progressIntervalMs = 1000, closing, apps, training, streams = new StreamCaps() }: ResearchOptions = {},
) {
  const progressOf = async (c: Context<ResearchEnv>) => {
    const id = batchIdOf(c);
    const progress = await research.batchProgress(c.get('researcher').projectId, id, Date.now());
    if (!progress) throw noBatch(id);
    return progress;
  };

  return new Hono<ResearchEnv>()
    .use(requireResearcher(research))
    .route('/', accessRoutes(research))
    .route('/training-jobs', training ? trainingRoutes(training) : new Hono<ResearchEnv>())
    .get('/project', async (c) => {
      const project = await research.project(c.get('researcher').projectId);
      if (!project) throw new NotFoundError('your project no longer exists');
      return c.json(Project.parse(project));
    })
    .put('/project/settings', async (c) => {
      const settings = await parseBody(c, ProjectSettings, 'project settings');
      const { projectId } = c.get('researcher');
      const project = await research.project(projectId);
      if (!project) throw new NotFoundError('your project no longer exists');
      // The project's standing against the others is the operator's: sent back unchanged, or refused.
      const changed = (['priority', 'resourceShare'] as const).filter((f) => settings[f] !== project.settings[f]);
      if (changed.length > 0) throw new OperatorSettingError(changed);
      return c.json(Project.parse(await research.updateSettings(projectId, settings)));
    })
    .put('/project/about', async (c) => {
      const about = await parseBody(c, ProjectAbout, 'project about');
      return c.json(Project.parse(await research.updateAbout(c.get('researcher').projectId, about)));
    })
    .post('/batches', async (c) => {
      const submission = await parseBody(c, BatchSubmission, 'batch submission');
      const { projectId } = c.get('researcher');
      const project = await research.project(projectId);
      if (!project) throw new NotFoundError('your project no longer exists');
      await checkCustomUnits(submission, projectId, apps);
      const units = batchUnits(submission, project.settings.limits);
      const app = submission.units[0]!.app;
      const batchId = await research.createProjectBatch({
        projectId,
        app,
        name: submission.name,
        units,
        now: Date.now(),
      });
      return c.json(BatchCreated.parse({ batchId, app, units: units.length }), 201);
    })
    .get('/partners', async (c) => {
      const limit = PartnerLimit.safeParse(c.req.query('limit'));
      if (!limit.success) throw new InvalidRequestError('query parameter "limit"', limit.error);
      return c.json(ProjectPartners.parse(await research.projectPartners(c.get('researcher').projectId, limit.data)));
    })
    .get('/batches', async (c) => {
      const { projectId } = c.get('researcher');
      const now = Date.now();
      const ids = await research.batchIds(projectId);
      const batches = [];
      for (const id of ids.slice(0, 100)) batches.push((await research.batchProgress(projectId, id, now))!);
      return c.json(BatchList.parse({ batches }));
    })
    .post('/batches/:id/cancel', async (c) => {
      const id = batchIdOf(c);
      const cancelled = await research.cancelBatch(c.get('researcher').projectId, id, Date.now());
      if (cancelled === undefined) throw noBatch(id);
      return c.json(BatchCancelled.parse({ batchId: id, cancelled }));
    })
    .get('/batches/:id', async (c) => c.json(BatchProgress.parse(await progressOf(c))))
    .get('/batches/:id/events', async (c) => {
      let progress: BatchProgress | undefined = await progressOf(c);
      const { projectId, keyId } = c.get('researcher');
      const release = streams.open(keyId, projectId);
      // Server-sent events, written by hand because hono's streamSSE forces keep-alive: a stream holds its
      // connection for long, and closing the connection when the stream ends lets a shutdown finish at once.
      c.header('content-type', 'text/event-stream');
      c.header('cache-control', 'no-cache');
      c.header('connection', 'close');
      return stream(c, async (out) => {
        let open = !closing?.aborted;
        const stop = () => {
          open = false;
        };
        out.onAbort(stop);
        closing?.addEventListener('abort', stop, { once: true });
        try {
          while (open && progress) {
            await out.write(`event: progress\ndata: ${JSON.stringify(progress)}\n\n`);
            await out.sleep(progressIntervalMs);
            if (!open) break;
            // A store closing under a stream (shutdown) ends the stream; the client reconnects elsewhere.
            progress = await research.batchProgress(projectId, progress.batchId, Date.now()).catch(() => undefined);
          }
        } finally {
          closing?.removeEventListener('abort', stop);
          release();
        }
      });
    })
    .get('/batches/:id/results', async (c) => {
      const id = batchIdOf(c);
      const after = After.safeParse(c.req.query('after'));
      if (!after.success) throw new InvalidRequestError('query parameter "after"', after.error);
      const { projectId } = c.get('researcher');
      let page = await research.canonicalResults(projectId, id, after.data, RESULTS_PAGE);
      if (!page) throw noBatch(id);
      c.header('content-type', 'application/x-ndjson; charset=utf-8');
      c.header('content-disposition', `attachment; filename="batch-${id}-results.jsonl"`);
      return stream(c, async (out) => {
        while (page && page.length > 0) {
          await out.write(page.map((line) => `${JSON.stringify(line)}\n`).join(''));
          if (page.length < RESULTS_PAGE) break;
          page = await research.canonicalResults(projectId, id, page.at(-1)!.workUnitId, RESULTS_PAGE);
        }
      });
    });
}
