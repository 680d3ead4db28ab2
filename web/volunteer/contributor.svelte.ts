/**
 * @module web/volunteer/contributor
 * The volunteer page's state and its compute loop: fetch replicas, run each in the worker, report the result,
 * and keep the host's credit fresh. Components only read these fields and call start() and stop().
 */
import { proxy } from 'comlink';
import type { HostStatus } from '../../protocol/host.ts';
import type { Assignment } from '../../protocol/work.ts';
import { startComputeWorker, type ComputeWorker } from '../lib/compute-worker.ts';
import { CoordinatorClient, CoordinatorError } from '../lib/coordinator-client.ts';
import { forgetHost, loadOrRegisterHost } from '../lib/host-identity.ts';

export interface CurrentUnit {
  app: string;
  workUnitId: number;
  replicaId: number;
  progress: number;
}

const IDLE_RETRY_MS = 2_000;
const STATUS_EVERY_MS = 2_000;

export class Contributor {
  running = $state(false);
  current = $state<CurrentUnit | null>(null);
  status = $state<HostStatus | null>(null);
  unitsDone = $state(0);
  message = $state('Press “Start contributing” to lend this device’s spare compute to science.');
  error = $state<string | null>(null);

  private readonly client = new CoordinatorClient(location.origin + '/');
  private worker: ComputeWorker | null = null;
  private queue: Assignment[] = [];
  private statusTimer: ReturnType<typeof setInterval> | undefined;

  /** Registers (once per browser profile) and starts showing credit, before any computing. */
  async init(): Promise<void> {
    try {
      await this.identify();
      await this.refreshStatus();
      this.statusTimer = setInterval(() => void this.refreshStatus(), STATUS_EVERY_MS);
    } catch (e) {
      this.error = describe(e);
    }
  }

  private async identify(): Promise<void> {
    const identity = await loadOrRegisterHost(this.client);
    this.client.setToken(identity.token);
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.client.status();
    } catch (e) {
      if (e instanceof CoordinatorError && e.status === 401) {
        // The coordinator lost or never had this host (a new data folder): register afresh.
        await forgetHost();
        await this.identify();
        return;
      }
      if (!(e instanceof CoordinatorError && e.status === 'network')) this.error = describe(e);
    }
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.error = null;
    this.worker = startComputeWorker();
    void this.loop();
  }

  stop(): void {
    this.running = false;
    // A unit cut short goes back to the front of the queue; it restarts when the volunteer starts again.
    this.worker?.terminate();
    this.worker = null;
    this.current = null;
    this.message = 'Stopped. Nothing runs until you press start again.';
  }

  private async loop(): Promise<void> {
    while (this.running) {
      try {
        const assignment = await this.next();
        if (!assignment) {
          this.message = 'No work available right now; asking again shortly.';
          await sleep(IDLE_RETRY_MS);
          continue;
        }
        await this.compute(assignment);
      } catch (e) {
        if (!this.running) return;
        this.error = describe(e);
        await sleep(IDLE_RETRY_MS);
      }
    }
  }

  private async next(): Promise<Assignment | undefined> {
    if (this.queue.length === 0) this.queue = (await this.client.requestWork(2)).replicas;
    return this.queue[0];
  }

  private async compute(assignment: Assignment): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    this.current = { app: assignment.app, workUnitId: assignment.workUnitId, replicaId: assignment.replicaId, progress: 0 };
    this.message = `Computing work unit ${assignment.workUnitId} of ${assignment.app}.`;
    const onProgress = (fraction: number) => {
      if (this.current?.replicaId === assignment.replicaId) this.current.progress = fraction;
    };
    const outcome = await worker.api.run({ app: assignment.app, input: assignment.input }, proxy({ progress: onProgress, checkpoint() {} }));
    if (!this.running) return;
    const reply = await this.client.report([
      { status: 'success', replicaId: assignment.replicaId, variant: outcome.variant, elapsedMs: outcome.elapsedMs, result: outcome.result },
    ]);
    this.queue.shift();
    if (reply.accepted.includes(assignment.replicaId)) this.unitsDone++;
    for (const r of reply.rejected) this.error = `result refused: ${r.error}`;
    this.current = null;
    void this.refreshStatus();
  }

  dispose(): void {
    this.stop();
    clearInterval(this.statusTimer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
