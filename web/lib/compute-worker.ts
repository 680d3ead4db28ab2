/**
 * @module web/lib/compute-worker
 * Starts the compute worker and gives the page a typed comlink proxy of it (`Remote<WorkerApi>`).
 */
import { wrap, type Remote } from 'comlink';
import type { WorkerApi } from '../../worker-kernels/worker.ts';

export interface ComputeWorker {
  api: Remote<WorkerApi>;
  terminate(): void;
}

export function startComputeWorker(): ComputeWorker {
  const worker = new Worker(new URL('../../worker-kernels/worker.ts', import.meta.url), { type: 'module', name: 'terraflop-compute' });
  return { api: wrap<WorkerApi>(worker), terminate: () => worker.terminate() };
}
