/**
 * @module web/dashboard/training.svelte
 * The dashboard's training jobs: the project's list, the selected job followed live (its rounds' losses and held-out
 * accuracy, polled every few seconds while it runs), a new job submitted from the form, and the newest model as a
 * file to save. The panel only renders it.
 */
import type { TrainingJob, TrainingJobList, TrainingJobSubmissionInput } from '../../protocol/training-job.ts';
import { explain, type ResearchClient } from './research-client.ts';

/** How often a running job is read again: a round takes volunteers tens of seconds at least. */
const POLL_MS = 2_000;

export class Training {
  jobs = $state.raw<TrainingJobList['jobs']>([]);
  selected = $state.raw<TrainingJob | null>(null);
  error = $state<string | null>(null);
  busy = $state(false);
  private readonly client: ResearchClient;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(client: ResearchClient) {
    this.client = client;
  }

  async load(): Promise<void> {
    await this.act(async () => {
      this.jobs = await this.client.trainingJobs();
      const first = this.jobs[0];
      if (!this.selected && first) await this.select(first.jobId);
    });
  }

  async submit(submission: TrainingJobSubmissionInput): Promise<boolean> {
    return this.act(async () => {
      const job = await this.client.submitTraining(submission);
      this.jobs = await this.client.trainingJobs();
      await this.select(job.jobId);
    });
  }

  async select(jobId: number): Promise<void> {
    this.stop();
    this.selected = await this.client.trainingJob(jobId);
    this.follow(jobId);
  }

  /** The selected job's newest model as a JSON file to save. */
  async modelFile(): Promise<{ blob: Blob; name: string } | undefined> {
    const job = this.selected;
    if (!job) return undefined;
    let file: { blob: Blob; name: string } | undefined;
    await this.act(async () => {
      const model = await this.client.model(job.jobId);
      const blob = new Blob([JSON.stringify(model)], { type: 'application/json' });
      file = { blob, name: `training-${job.jobId}-v${model.version}.json` };
    });
    return file;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Reads the job again every few seconds while it runs; the list follows its state. */
  private follow(jobId: number): void {
    this.timer = setTimeout(async () => {
      try {
        const job = await this.client.trainingJob(jobId);
        if (this.selected?.jobId !== jobId) return;
        this.selected = job;
        this.jobs = this.jobs.map((j) => (j.jobId === jobId ? { ...j, state: job.state, version: job.version } : j));
        if (job.state === 'running') this.follow(jobId);
      } catch (e) {
        this.error = `live training figures stopped: ${explain(e)}`;
      }
    }, POLL_MS);
  }

  private async act(fn: () => Promise<void>): Promise<boolean> {
    this.busy = true;
    this.error = null;
    try {
      await fn();
      return true;
    } catch (e) {
      this.error = explain(e);
      return false;
    } finally {
      this.busy = false;
    }
  }
}
