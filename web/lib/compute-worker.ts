/**
 * @module web/lib/compute-worker
 * Starts one compute worker and gives the page a typed comlink proxy of it (`Remote<WorkerApi>`), plus a way to
 * hear that it died (a load failure or an uncaught error outside a call).
 */
import { wrap, type Remote } from 'comlink';
import { useProtocolErrors } from '../../worker-kernels/comlink-errors.ts';
import type { WorkerApi } from '../../worker-kernels/worker.ts';

export interface ComputeWorker {
  api: Remote<WorkerApi>;
  /** Calls back once if the worker fails outside a call. */
  onCrash(callback: (message: string) => void): void;
  terminate(): void;
}

export function startComputeWorker(): ComputeWorker {
  useProtocolErrors(); // its errors arrive with their names, details and causes
  const worker = new Worker(new URL('../../worker-kernels/worker.ts', import.meta.url), {
    type: 'module',
    name: 'terraflop-compute',
  });
  return {
    api: wrap<WorkerApi>(worker),
    onCrash(callback) {
      worker.addEventListener('error', (e) => callback(e.message || 'the worker failed to load or crashed'), {
        once: true,
      });
    },
    terminate: () => worker.terminate(),
  };
}
