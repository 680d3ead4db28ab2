/**
 * @module web/lib/uploader
 * Empties the outbox: sends pending results in batches and forgets each only on the coordinator's answer for it.
 * A failed send is retried with exponential backoff (1 s doubling to a minute, with jitter, as BOINC's client backs
 * off), and at once when the browser comes back online.
 */
import { CoordinatorError } from '../../protocol/coordinator-error.ts';
import { fitReport, MAX_REPLICAS_PER_REQUEST, type ReportReply, type ResultEntry } from '../../protocol/work.ts';
import type { CoordinatorClient } from './coordinator-client.ts';
import { acknowledge, outboxSize, pendingResults } from './storage/outbox.ts';

const FIRST_BACKOFF_MS = 1_000;
const MAX_BACKOFF_MS = 60_000;

export interface UploadListener {
  /** After each answered batch: units done in total, rejections, results still waiting. */
  answered(unitsDone: number, rejected: ReportReply['rejected'], waiting: number): void;
  failed(error: unknown, retryInMs: number): void;
}

/**
 * A report refused whole because it named replicas this host was never sent (ForeignReplicaError, naming each as
 * `results.N.replicaId`; say the coordinator's database was replaced): those are answered as refused, so they leave
 * the outbox, and the rest go in the next report. Any other failure stays a failed send.
 */
function foreignAnswer(error: unknown, batch: readonly ResultEntry[]): ReportReply {
  if (!(error instanceof CoordinatorError) || error.name !== 'ForeignReplicaError') throw error;
  const rejected = (error.issues ?? []).flatMap(({ path, message }) => {
    const entry = batch[Number(/^results\.(\d+)\.replicaId$/.exec(path)?.[1] ?? Number.NaN)];
    return entry ? [{ replicaId: entry.replicaId, error: message }] : [];
  });
  if (rejected.length === 0) throw error;
  return { accepted: [], rejected };
}

export class Uploader {
  private readonly client: CoordinatorClient;
  private readonly listener: UploadListener;
  private draining = false;
  private again = false;
  private backoffMs = FIRST_BACKOFF_MS;
  private retry: ReturnType<typeof setTimeout> | undefined;
  private readonly online = () => this.kick();

  constructor(client: CoordinatorClient, listener: UploadListener) {
    this.client = client;
    this.listener = listener;
    addEventListener('online', this.online);
  }

  /** Uploads now (or right after the upload in progress). */
  kick(): void {
    clearTimeout(this.retry);
    this.retry = undefined;
    if (this.draining) {
      this.again = true;
      return;
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      do {
        this.again = false;
        for (
          let batch = fitReport(await pendingResults(MAX_REPLICAS_PER_REQUEST));
          batch.length > 0;
          batch = fitReport(await pendingResults(MAX_REPLICAS_PER_REQUEST))
        ) {
          const reply = await this.client.report(batch).catch((e: unknown) => foreignAnswer(e, batch));
          // A replica refused as already reported was stored by an earlier send whose answer was lost.
          const duplicates = reply.rejected.filter((r) => /already reported/.test(r.error)).length;
          const answered = [...reply.accepted, ...reply.rejected.map((r) => r.replicaId)];
          const done = await acknowledge(answered, reply.accepted.length + duplicates);
          this.backoffMs = FIRST_BACKOFF_MS;
          const refused = reply.rejected.filter((r) => !/already reported/.test(r.error));
          this.listener.answered(done, refused, await outboxSize());
        }
      } while (this.again);
    } catch (error) {
      const wait = Math.round(this.backoffMs * (0.75 + Math.random() / 2));
      this.backoffMs = Math.min(MAX_BACKOFF_MS, this.backoffMs * 2);
      this.listener.failed(error, wait);
      this.retry = setTimeout(() => this.kick(), wait);
    } finally {
      this.draining = false;
    }
  }

  /**
   * The coordinator just answered another request: if uploads are waiting out a backoff, try now. Browsers do not
   * always fire 'online' (and a backoff grown to a minute while offline would otherwise hold results that long).
   */
  reachable(): void {
    if (this.retry !== undefined) this.kick();
  }

  dispose(): void {
    clearTimeout(this.retry);
    removeEventListener('online', this.online);
  }
}
