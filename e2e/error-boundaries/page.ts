/**
 * @module e2e/error-boundaries/page
 * The test page of errors crossing the browser's boundaries: bundled by the spec with Vite and loaded in Chromium,
 * it starts the built app's compute worker (dist/assets/worker-*.js, which starts its sandbox workers from the
 * coordinator as on the volunteer page) behind comlink with the page's error handler, runs a job in it and describes
 * the error the page got back: its class, name, message, details, issues and causes, as the page's code sees them.
 */
import { proxy, wrap } from 'comlink';
import { BaseError } from '../../protocol/base-error.ts';
import { useProtocolErrors } from '../../worker-kernels/comlink-errors.ts';
import type { WorkerApi } from '../../worker-kernels/worker.ts';

/** An error as the page holds it. */
export interface SeenError {
  isBaseError: boolean;
  name: string;
  message: string;
  details: unknown;
  issues: unknown;
  cause?: SeenError;
}

function seen(error: unknown): SeenError {
  const e = error as Partial<BaseError>;
  return {
    isBaseError: error instanceof BaseError,
    name: String(e.name),
    message: String(e.message),
    details: e.details,
    issues: e.issues,
    ...(e.cause !== undefined && { cause: seen(e.cause) }),
  };
}

const page = {
  /** Runs `job` in a fresh compute worker from `url`: what the run's rejection was, or 'resolved'. */
  async run(url: string, job: unknown): Promise<SeenError | 'resolved'> {
    useProtocolErrors(); // as web/lib/compute-worker.ts does for the volunteer page
    const worker = new Worker(url, { type: 'module', name: 'terraflop-compute' });
    const api = wrap<WorkerApi>(worker);
    try {
      await api.run(job, proxy({ progress() {}, checkpoint() {}, resting() {} }), undefined, {});
      return 'resolved';
    } catch (e) {
      return seen(e);
    } finally {
      worker.terminate();
    }
  },
};

declare global {
  interface Window {
    errors: typeof page;
  }
}

window.errors = page;
document.title = 'errors ready';
