/**
 * @module web/volunteer/compute-loop
 * The workers, while the contributor's policy gate lets them run: one loop per worker takes the next replica
 * (unit-claims), runs it (web/lib/run-unit), and hands its result to the outbox. The page sees each worker's unit
 * and progress, the device's measured speed, and the workers' busy share since computing last started.
 */
import type { Settings } from '../lib/policy/settings.ts';
import { runUnit, type UnitProgress } from '../lib/run-unit.ts';
import { readCounter, writeCounter } from '../lib/storage/outbox.ts';
import type { ReadyUnit } from '../lib/storage/work-buffer.ts';
import { WorkerPool, type ComputeSlot } from '../lib/worker-pool.ts';
import type { ResultOutbox } from './result-outbox.svelte.ts';
import { describe, type StatusBoard } from './status-board.svelte.ts';
import type { UnitClaims } from './unit-claims.svelte.ts';

export interface CurrentUnit {
  app: string;
  workUnitId: number;
  replicaId: number;
  progress: number;
  resumedFrom: number | null;
  /** Seconds left at the current pace, once there is a pace to go by. */
  secondsLeft: number | null;
}

const IDLE_RETRY_MS = 1_000;
/** A run with no progress for this long is hung; generous, since a rest at a 5% limit lasts seconds. */
const HANG_MS = 60_000;

export class ComputeLoop {
  /** Each worker's unit, null while it waits for one; none while stopped. */
  slots = $state<(CurrentUnit | null)[]>([]);
  flopsPerSecond = $state<number | null>(null);
  /** Since computing last started: kernel time summed over workers, and wall time × workers, at the last unit. */
  load = $state({ busyMs: 0, wallMs: 0 });
  readonly current = $derived(this.slots.find((s) => s !== null) ?? null);

  private readonly claims: UnitClaims;
  private readonly outbox: ResultOutbox;
  private readonly board: StatusBoard;
  /** The volunteer's settings now: a unit runs with the CPU limit and GPU choice of its start. */
  private readonly settings: () => Settings;
  private pool: WorkerPool | null = null;
  /** Bumped on every stop, so loops of an earlier pool end. */
  private generation = 0;
  private startedAt = 0;

  constructor(claims: UnitClaims, outbox: ResultOutbox, board: StatusBoard, settings: () => Settings) {
    this.claims = claims;
    this.outbox = outbox;
    this.board = board;
    this.settings = settings;
  }

  /** Reads the speed measured in earlier visits. */
  async loadSpeed(): Promise<void> {
    this.flopsPerSecond = (await readCounter('flopsPerSecond')) ?? null;
  }

  start(workers: number): void {
    this.pool = new WorkerPool(workers, { hangMs: HANG_MS });
    this.slots = Array.from({ length: workers }, () => null);
    this.startedAt = performance.now();
    this.load = { busyMs: 0, wallMs: 0 };
    const generation = ++this.generation;
    this.pool.slots.forEach((slot, i) => void this.slotLoop(slot, i, generation));
  }

  /** Stops every worker at once; each unit in progress resumes from its checkpoint later. */
  stop(): void {
    this.generation++;
    this.pool?.terminate();
    this.pool = null;
    this.slots = [];
    this.claims.releaseAll();
  }

  private async slotLoop(slot: ComputeSlot, index: number, generation: number): Promise<void> {
    let unit: ReadyUnit | undefined;
    while (generation === this.generation) {
      try {
        unit ??= await this.claims.next();
        if (!unit) {
          this.board.message = navigator.onLine
            ? 'No work available right now; asking again shortly.'
            : 'Offline, and the work buffer is empty.';
          await sleep(IDLE_RETRY_MS);
          continue;
        }
        if (this.board.message.startsWith('No work') || this.board.message.startsWith('Offline'))
          this.board.message = 'Computing.';
        // The next unit is claimed while this one runs, so the worker waits for the page as little as possible.
        const next = this.claims.next().catch(() => undefined);
        await this.compute(slot, index, generation, unit);
        unit = await next;
      } catch (e) {
        unit = undefined;
        if (generation !== this.generation) return;
        this.board.report(e);
        await sleep(IDLE_RETRY_MS);
      }
    }
  }

  private async compute(slot: ComputeSlot, index: number, generation: number, unit: ReadyUnit): Promise<void> {
    const { app, workUnitId, replicaId, flopsEstimate } = unit.assignment;
    const started = performance.now();
    this.slots[index] = { app, workUnitId, replicaId, progress: 0, resumedFrom: null, secondsLeft: null };
    const { cpuLimitPercent, gpu } = this.settings();
    const result = await runUnit(slot, unit, { cpuLimit: cpuLimitPercent / 100, gpu }, (p) => {
      if (generation === this.generation && this.slots[index]?.replicaId === replicaId)
        this.slots[index] = { app, workUnitId, replicaId, ...p, secondsLeft: secondsLeft(p, started) };
    });
    if (generation === this.generation) this.slots[index] = null;
    if (result.kind !== 'done') this.claims.release(replicaId);
    else {
      // The next unit starts while this result is written; the replica is not taken again until it is in the outbox.
      void this.claims.finished(replicaId, result.saved).then(
        () => this.outbox.added(),
        (e: unknown) => this.board.report(e, `could not store a result: ${describe(e)}`),
      );
      if (generation === this.generation) {
        this.load = {
          busyMs: this.load.busyMs + result.outcome.busyMs,
          wallMs: (performance.now() - this.startedAt) * this.slots.length,
        };
      }
      if (result.outcome.busyMs > 0 && !unit.attempts)
        void this.measureSpeed(flopsEstimate / (result.outcome.busyMs / 1000));
    }
    if (result.kind === 'retry') {
      const text = `work unit ${workUnitId} failed (${describe(result.error)}); trying it once more`;
      this.board.report(result.error, text);
    } else if (result.kind === 'failed') {
      const text = `work unit ${workUnitId} failed twice (${describe(result.error)}); reported to the coordinator`;
      this.board.report(result.error, text);
      this.outbox.kick();
    }
  }

  /** The device's speed in FLOPS, smoothed over units. */
  private async measureSpeed(sample: number): Promise<void> {
    if (!Number.isFinite(sample)) return;
    this.flopsPerSecond = this.flopsPerSecond === null ? sample : 0.8 * this.flopsPerSecond + 0.2 * sample;
    await writeCounter('flopsPerSecond', this.flopsPerSecond);
  }
}

/** Seconds left at the pace since this run started, once it has gone far and long enough to judge. */
function secondsLeft({ progress, resumedFrom }: UnitProgress, started: number): number | null {
  const done = progress - (resumedFrom ?? 0);
  const seconds = (performance.now() - started) / 1000;
  return done > 0.02 && seconds > 0.5 ? (seconds * (1 - progress)) / done : null;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
