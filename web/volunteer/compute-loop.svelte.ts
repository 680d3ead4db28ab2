/**
 * @module web/volunteer/compute-loop
 * The workers, while the contributor's policy gate lets them run: one loop per worker takes the next replica
 * (unit-claims), runs it (web/lib/run-unit), and hands its result to the outbox. The page sees each worker's unit
 * and progress, the device's measured speed, and the workers' busy share since computing last started.
 */
import type { ReplicaRef } from '../../protocol/work.ts';
import { unitName } from '../lib/unit-name.ts';
import type { Settings } from '../lib/policy/settings.ts';
import { runUnit, type UnitProgress } from '../lib/run-unit.ts';
import { readCounter, writeCounter } from '../lib/storage/outbox.ts';
import type { ReadyUnit } from '../lib/storage/work-buffer.ts';
import { WorkerPool, type ComputeSlot } from '../lib/worker-pool.ts';
import type { ResultOutbox } from './result-outbox.svelte.ts';
import { type StatusBoard, whatFailed } from './status-board.svelte.ts';
import type { FetchTrouble, UnitClaims } from './unit-claims.svelte.ts';

export interface CurrentUnit {
  app: string;
  /** A researcher's app's own name (the custom app's manifest name); null for a built-in app. */
  customApp: string | null;
  /** The unit's project's short name; null for a unit an older coordinator issued. */
  project: string | null;
  /** The unit's size, what the page shows of it: a host is given no number of its unit (issue 17). */
  flopsEstimate: number;
  replicaId: ReplicaRef;
  progress: number;
  /** The fraction it resumed from, when that checkpoint was saved before this page loaded; else null. */
  resumedFrom: number | null;
  /** When it should finish at its pace so far (ms since the epoch), once there is a pace to go by. */
  etaAt: number | null;
}

/** Checkpoints saved before this moment come from an earlier visit: a resume from them is news to the volunteer. */
const PAGE_LOADED_AT = Date.now();

const IDLE_RETRY_MS = 1_000;
/** A run with no progress for this long is hung; generous, since a rest at a 5% limit lasts seconds. */
const HANG_MS = 60_000;

export class ComputeLoop {
  /** Each worker's unit, null while it waits for one; none while stopped. */
  slots = $state<(CurrentUnit | null)[]>([]);
  flopsPerSecond = $state<number | null>(null);
  /** Since computing last started: kernel time summed over workers, and wall time × workers, at the last unit. */
  load = $state({ busyMs: 0, wallMs: 0 });
  /** A typical unit's FLOPs, from the units run in this visit; null before the first. */
  typicalFlops = $state<number | null>(null);
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
  /** The status line this loop set while it had no unit, which it takes back once it has one. */
  private waitingMessage = '';

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
          this.waitingMessage = this.board.message = whyNoWork(this.claims.trouble);
          await sleep(IDLE_RETRY_MS);
          continue;
        }
        if (this.board.message === this.waitingMessage) this.board.message = 'Computing.';
        // The next unit is claimed while this one runs, so the worker waits for the page as little as possible.
        const next = this.claims.next().catch(() => undefined);
        await this.compute(slot, index, generation, unit);
        unit = await next;
      } catch (e) {
        unit = undefined;
        if (generation !== this.generation) return;
        this.board.report('storage', 'The page could not read its work buffer; trying again.', e);
        await sleep(IDLE_RETRY_MS);
      }
    }
  }

  private async compute(slot: ComputeSlot, index: number, generation: number, unit: ReadyUnit): Promise<void> {
    const { assignment } = unit;
    const { replicaId, flopsEstimate } = assignment;
    const started = performance.now();
    const fromEarlierVisit = (unit.checkpoint?.savedAt ?? Infinity) < PAGE_LOADED_AT;
    const shown = {
      app: assignment.app,
      customApp: assignment.app === 'custom' ? assignment.input.name : null,
      project: assignment.project ?? null,
      flopsEstimate,
      replicaId,
    };
    this.typicalFlops = this.typicalFlops === null ? flopsEstimate : 0.8 * this.typicalFlops + 0.2 * flopsEstimate;
    this.slots[index] = { ...shown, progress: 0, resumedFrom: null, etaAt: null };
    const { cpuLimitPercent, gpu } = this.settings();
    const result = await runUnit(slot, unit, { cpuLimit: cpuLimitPercent / 100, gpu }, (p) => {
      if (generation === this.generation && this.slots[index]?.replicaId === replicaId) {
        const resumedFrom = fromEarlierVisit ? p.resumedFrom : null;
        this.slots[index] = { ...shown, progress: p.progress, resumedFrom, etaAt: finishAt(p, started) };
      }
    });
    if (generation === this.generation) this.slots[index] = null;
    if (result.kind !== 'done') this.claims.release(replicaId);
    else {
      // The next unit starts while this result is written; the replica is not taken again until it is in the outbox.
      this.board.clear('unit');
      void this.claims.finished(replicaId, result.saved).then(
        () => this.outbox.added(),
        (e: unknown) =>
          this.board.report(
            'storage',
            'A finished result could not be saved on this device; its unit will run again.',
            e,
          ),
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
      const text = `A ${unitName(shown)} did not finish: ${whatFailed(result.error)}. Trying it once more.`;
      this.board.report('unit', text, result.error);
    } else if (result.kind === 'failed') {
      const text =
        `A ${unitName(shown)} failed twice (${whatFailed(result.error)}), so it was reported to the ` +
        'coordinator, which sends it to another volunteer. Nothing for you to do.';
      this.board.report('unit', text, result.error);
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

/**
 * When the run should finish at its pace since it started (ms since the epoch), once it has gone far and long
 * enough to judge. An absolute time, so the page counts down between progress reports instead of standing still.
 */
function finishAt({ progress, resumedFrom }: UnitProgress, started: number): number | null {
  const done = progress - (resumedFrom ?? 0);
  const seconds = (performance.now() - started) / 1000;
  return done > 0.02 && seconds > 0.5 ? Date.now() + (1000 * seconds * (1 - progress)) / done : null;
}

/** The status line while no unit is at hand: why, as far as the page knows. */
function whyNoWork(trouble: FetchTrouble | null): string {
  if (trouble?.kind === 'unreachable' || !navigator.onLine)
    return 'Offline, and the work buffer is empty: computing goes on when the network is back.';
  if (trouble?.kind === 'busy') return 'The coordinator asked this device to slow down; asking for work again shortly.';
  if (trouble?.kind === 'refused')
    return `The coordinator refused to send work (${trouble.message}); asking again shortly.`;
  return 'No work available right now; asking again shortly.';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
