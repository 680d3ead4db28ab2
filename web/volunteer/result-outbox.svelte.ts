/**
 * @module web/volunteer/result-outbox
 * The page's side of the outbox: results stored there upload on their own (in batches, with retry and backoff:
 * web/lib/uploader), and the page counts units done, results waiting to upload and results the coordinator refused.
 */
import { CoordinatorError } from '../../protocol/coordinator-error.ts';
import type { CoordinatorClient } from '../lib/coordinator-client.ts';
import { outboxSize, readCounter } from '../lib/storage/outbox.ts';
import { Uploader } from '../lib/uploader.ts';
import { describe, type StatusBoard } from './status-board.svelte.ts';

export class ResultOutbox {
  unitsDone = $state(0);
  waitingUpload = $state(0);
  /** Results the coordinator refused (other than duplicates of results it has). */
  refused = $state(0);
  private readonly uploader: Uploader;

  /** `answered` is called after each batch the coordinator answered, so the page can refresh its standing. */
  constructor(client: CoordinatorClient, board: StatusBoard, answered: () => void) {
    this.uploader = new Uploader(client, {
      answered: (done, rejected, waiting) => {
        this.unitsDone = done;
        this.waitingUpload = waiting;
        this.refused += rejected.length;
        if (rejected.length === 0) board.clear('upload');
        for (const r of rejected) {
          // Usually a result that came too late (its unit was reissued and decided): no fault of the volunteer's.
          board.report('upload', `The coordinator did not take a result: ${r.error}. It is dropped from this device.`);
        }
        answered();
      },
      failed: (e, retryInMs) => {
        const why =
          e instanceof CoordinatorError && e.name === 'NetworkError'
            ? 'the coordinator cannot be reached'
            : describe(e);
        board.message = `Results wait to upload (${why}); retrying in ${Math.ceil(retryInMs / 1000)} s.`;
      },
    });
  }

  /** Reads the counts kept in IndexedDB across reloads. */
  async load(): Promise<void> {
    this.unitsDone = (await readCounter('unitsDone')) ?? 0;
    this.waitingUpload = await outboxSize();
  }

  /** Uploads what waits, now. */
  kick(): void {
    this.uploader.kick();
  }

  /** The coordinator answered another request: results held back by a network failure may go now. */
  reachable(): void {
    this.uploader.reachable();
  }

  /** A result is in the outbox: uploads it and counts it. */
  async added(): Promise<void> {
    this.uploader.kick();
    this.waitingUpload = await outboxSize();
  }

  dispose(): void {
    this.uploader.dispose();
  }
}
