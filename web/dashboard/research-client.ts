/**
 * @module web/dashboard/research-client
 * The dashboard's one door to the researchers' API: every request carries the project's API key, every answer is
 * parsed with the protocol's schemas (an error by protocol/coordinator-error.ts's reader), and live progress is read
 * as server-sent events over fetch (EventSource cannot send an Authorization header).
 */
import { CoordinatorError, fetchCoordinator } from '../../protocol/coordinator-error.ts';
import { BatchCancelled, BatchCreated, BatchList, BatchProgress, Project } from '../../protocol/research.ts';
import type { BatchSubmission } from '../../protocol/research.ts';
import type { ProjectAbout } from '../../protocol/about.ts';
import { AppCatalog } from '../../protocol/app-catalog.ts';
import { CustomAppList } from '../../protocol/custom-app.ts';
import { ProjectPartners } from '../../protocol/partner.ts';
import { ApiKeyCreated, ApiKeyRevoked, ResearcherList, type NewResearcher } from '../../protocol/research-access.ts';
import {
  TrainedModel,
  TrainingJob,
  TrainingJobList,
  type TrainingJobSubmissionInput,
} from '../../protocol/training-job.ts';

export class ResearchClient {
  readonly key: string;
  constructor(key: string) {
    this.key = key;
  }

  /** The answer when it is 2xx; else a CoordinatorError named as the coordinator named it (or NetworkError). */
  private call(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
    return fetchCoordinator(path, {
      method,
      headers: {
        authorization: `Bearer ${this.key}`,
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
      ...(signal && { signal }),
    });
  }

  async project() {
    return Project.parse(await (await this.call('GET', '/api/research/project')).json());
  }
  async batches() {
    return BatchList.parse(await (await this.call('GET', '/api/research/batches')).json()).batches;
  }
  /** Partner sites whose widgets computed this project's units, with this project's figures only. */
  async partners() {
    return ProjectPartners.parse(await (await this.call('GET', '/api/research/partners')).json()).partners;
  }
  /** The project's own apps, every version (oldest first per name). */
  async apps() {
    return CustomAppList.parse(await (await this.call('GET', '/api/research/apps')).json()).apps;
  }
  /** The built-in apps, each with an example unit (public). */
  async builtInApps() {
    return AppCatalog.parse(await (await this.call('GET', '/api/public/apps')).json()).apps;
  }
  /** Sets what volunteers read about the project. */
  async setAbout(about: ProjectAbout) {
    return Project.parse(await (await this.call('PUT', '/api/research/project/about', about)).json());
  }
  async submit(submission: BatchSubmission) {
    return BatchCreated.parse(await (await this.call('POST', '/api/research/batches', submission)).json());
  }
  async cancel(batchId: number) {
    return BatchCancelled.parse(await (await this.call('POST', `/api/research/batches/${batchId}/cancel`)).json());
  }
  /** The batch's canonical results so far, as a JSON-lines Blob. */
  async results(batchId: number): Promise<Blob> {
    return (await this.call('GET', `/api/research/batches/${batchId}/results`)).blob();
  }

  /** The project's training jobs, newest first. */
  async trainingJobs() {
    return TrainingJobList.parse(await (await this.call('GET', '/api/research/training-jobs')).json()).jobs;
  }
  /** One training job with its rounds: losses and held-out accuracy. */
  async trainingJob(jobId: number) {
    return TrainingJob.parse(await (await this.call('GET', `/api/research/training-jobs/${jobId}`)).json());
  }
  async submitTraining(submission: TrainingJobSubmissionInput) {
    return TrainingJob.parse(await (await this.call('POST', '/api/research/training-jobs', submission)).json());
  }
  /** The job's newest model, as the coordinator sends it (parsed, so a damaged file is never offered). */
  async model(jobId: number) {
    return TrainedModel.parse(await (await this.call('GET', `/api/research/training-jobs/${jobId}/model`)).json());
  }

  /** The project's researchers and their keys (never a key itself). */
  async researchers() {
    return ResearcherList.parse(await (await this.call('GET', '/api/research/researchers')).json()).researchers;
  }
  /** Another key for the signed-in researcher; its `apiKey` is shown only in this answer. */
  async createKey() {
    return ApiKeyCreated.parse(await (await this.call('POST', '/api/research/keys')).json());
  }
  async addResearcher(researcher: NewResearcher) {
    return ApiKeyCreated.parse(await (await this.call('POST', '/api/research/researchers', researcher)).json());
  }
  async revokeKey(keyId: number) {
    return ApiKeyRevoked.parse(await (await this.call('POST', `/api/research/keys/${keyId}/revoke`)).json());
  }

  /** Calls `onProgress` with each progress event of the batch until `signal` aborts or the stream ends. */
  async watch(batchId: number, onProgress: (p: BatchProgress) => void, signal: AbortSignal): Promise<void> {
    const res = await this.call('GET', `/api/research/batches/${batchId}/events`, undefined, signal);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buffer += value;
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const event = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = event
            .split('\n')
            .filter((l) => l.startsWith('data: '))
            .map((l) => l.slice(6))
            .join('\n');
          if (data) onProgress(BatchProgress.parse(JSON.parse(data)));
        }
      }
    } catch (e) {
      if (!signal.aborted) throw e;
    }
  }
}

/** The coordinator no longer takes this key (revoked, or its project gone): the dashboard signs out. */
export const keyRefused = (e: unknown): e is CoordinatorError =>
  e instanceof CoordinatorError && e.name === 'UnauthorizedError';

/** A failure as the dashboard says it, by the error's name. */
export function explain(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  switch (e.name) {
    case 'NetworkError':
      return 'the coordinator cannot be reached; try again in a moment';
    default:
      return e.message;
  }
}

/** A units file: one unit input per line (JSON lines), or a JSON array, or a whole BatchSubmission's `units`. */
export function parseUnitsFile(text: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) throw new Error('the units file is empty');
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
  if (trimmed.startsWith('{') && !trimmed.includes('\n')) {
    const one = JSON.parse(trimmed) as { units?: unknown[] };
    return one.units ?? [one];
  }
  return trimmed
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new Error(`line ${i + 1} of the units file is not JSON`);
      }
    });
}
