/**
 * @module web/volunteer/contributor
 * The volunteer page's state and its compute loop. The volunteer's start and stop say whether to contribute; the
 * policies say whether computing may run now. While both allow, one loop per worker takes replicas from the work
 * buffer in IndexedDB, runs them, and puts their results in the outbox, which uploads on its own. Components only
 * read these fields and call start(), stop() and changeSettings().
 */
import type { HostStatus } from '../../protocol/host.ts';
import { CoordinatorClient, CoordinatorError } from '../lib/coordinator-client.ts';
import { forgetHost, loadOrRegisterHost } from '../lib/host-identity.ts';
import { whyNot } from '../lib/policy/rules.ts';
import { changeSettings, DEFAULT_SETTINGS, workerCount, type Settings } from '../lib/policy/settings.ts';
import { saveData, SignalWatcher } from '../lib/policy/signals.ts';
import { runUnit } from '../lib/run-unit.ts';
import type { BufferedUnit } from '../lib/storage/db.ts';
import { loadRunning, loadSettings, saveRunning, saveSettings } from '../lib/storage/preferences.ts';
import { outboxSize, readCounter, writeCounter } from '../lib/storage/outbox.ts';
import { bufferedIds, bufferedUnit, dropExpired } from '../lib/storage/work-buffer.ts';
import { Uploader } from '../lib/uploader.ts';
import { WorkFetcher } from '../lib/work-fetcher.ts';
import { WorkerPool, type ComputeSlot } from '../lib/worker-pool.ts';
import { CreditToday } from './credit-today.ts';

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
/** How often the buffer is swept for replicas past their deadline. */
const EXPIRY_CHECK_MS = 5_000;
const STATUS_EVERY_MS = 2_000;
const POLICY_EVERY_MS = 250;
/** A run with no progress for this long is hung; generous, since a rest at a 5% limit lasts seconds. */
const HANG_MS = 60_000;
/** Starting guess of the device's speed, until a unit has measured it. */
const DEFAULT_FLOPS = 1e9;

export class Contributor {
  /** The volunteer's choice: contribute or not. Persisted, so a reload carries on. */
  running = $state(false);
  /** Whether workers run now: running, and every policy allows. */
  computing = $state(false);
  pausedBecause = $state<string | null>(null);
  slots = $state<(CurrentUnit | null)[]>([]);
  status = $state<HostStatus | null>(null);
  unitsDone = $state(0);
  waitingUpload = $state(0);
  buffered = $state(0);
  flopsPerSecond = $state<number | null>(null);
  creditToday = $state<number | null>(null);
  settings = $state<Settings>(DEFAULT_SETTINGS);
  settingsError = $state<string | null>(null);
  message = $state('Press “Start contributing” to lend this device’s spare compute to science.');
  error = $state<string | null>(null);
  /** Results the coordinator refused (other than duplicates of results it has). */
  refused = $state(0);
  /** Since computing last resumed: kernel time summed over workers, and wall time × workers, at the last unit. */
  load = $state({ busyMs: 0, wallMs: 0 });

  readonly current = $derived(this.slots.find((s) => s !== null) ?? null);

  private readonly client = new CoordinatorClient(location.origin + '/');
  private readonly fetcher = new WorkFetcher(this.client);
  private readonly uploader = new Uploader(this.client, {
    answered: (done, rejected, waiting) => {
      this.unitsDone = done;
      this.waitingUpload = waiting;
      this.refused += rejected.length;
      for (const r of rejected) this.error = `result refused: ${r.error}`;
      void this.refreshStatus();
    },
    failed: (e, retryInMs) => {
      this.message = `Results wait to upload (${describe(e)}); retrying in ${Math.ceil(retryInMs / 1000)} s.`;
    },
  });
  private readonly signals = new SignalWatcher(() => this.evaluate());
  private readonly creditDay = new CreditToday();
  private pool: WorkerPool | null = null;
  /** Bumped on every pause, so loops of an earlier pool end. */
  private generation = 0;
  private readonly claimed = new Set<number>();
  /** Replicas computed whose results are being written to the outbox. */
  private readonly saving = new Set<number>();
  private computingSince = 0;
  private expiredCheckedAt = 0;
  private timers: ReturnType<typeof setInterval>[] = [];

  /** Loads settings and counters, registers (once per browser profile), and resumes if the volunteer had started. */
  async init(): Promise<void> {
    try {
      this.settings = await loadSettings();
      this.unitsDone = (await readCounter('unitsDone')) ?? 0;
      this.flopsPerSecond = (await readCounter('flopsPerSecond')) ?? null;
      this.waitingUpload = await outboxSize();
      this.buffered = (await bufferedIds()).length;
      await this.signals.start();
      this.timers.push(setInterval(() => this.evaluate(), POLICY_EVERY_MS));
      if (await loadRunning()) this.start();
      this.uploader.kick();
      await this.identify();
      await this.refreshStatus();
      this.timers.push(setInterval(() => void this.refreshStatus(), STATUS_EVERY_MS));
    } catch (e) {
      this.error = describe(e);
    }
  }

  private async identify(): Promise<void> {
    await loadOrRegisterHost(this.client);
  }

  async refreshStatus(): Promise<void> {
    try {
      this.status = await this.client.status();
      this.uploader.reachable();
      this.creditToday = await this.creditDay.update(this.status.credit.total, new Date());
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
    void saveRunning(true);
    this.evaluate();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    void saveRunning(false);
    this.pause();
    this.pausedBecause = null;
    this.message = 'Stopped. Nothing runs until you press start again.';
  }

  /** Applies a settings change if every value is valid; otherwise says what is wrong and changes nothing. */
  async changeSettings(change: Partial<Record<keyof Settings, unknown>>): Promise<boolean> {
    let next: Settings;
    try {
      next = changeSettings(this.settings, change);
    } catch (e) {
      this.settingsError = e instanceof Error ? e.message : String(e);
      return false;
    }
    this.settingsError = null;
    const resize = workerCount(next, navigator.hardwareConcurrency) !== this.slots.length || next.cpuLimitPercent !== this.settings.cpuLimitPercent;
    this.settings = next;
    await saveSettings($state.snapshot(next));
    if (resize && this.computing) this.pause(); // the next evaluate() resumes with the new pool
    this.evaluate();
    return true;
  }

  /** Pauses or resumes computing by the volunteer's choice and the policies. */
  private evaluate(): void {
    if (!this.running) return;
    const reason = whyNot(this.settings, this.signals.snapshot());
    this.pausedBecause = reason;
    if (reason) {
      if (this.computing) this.pause();
      this.message = `Paused: ${reason}.`;
    } else if (!this.computing) {
      this.resume();
    }
  }

  private resume(): void {
    this.computing = true;
    this.message = 'Computing.';
    const size = workerCount(this.settings, navigator.hardwareConcurrency);
    this.pool = new WorkerPool(size, { hangMs: HANG_MS });
    this.slots = Array.from({ length: size }, () => null);
    this.computingSince = performance.now();
    this.load = { busyMs: 0, wallMs: 0 };
    const generation = ++this.generation;
    this.pool.slots.forEach((slot, i) => void this.slotLoop(slot, i, generation));
  }

  /** Stops every worker at once; each unit in progress resumes from its checkpoint later. */
  private pause(): void {
    this.generation++;
    this.computing = false;
    this.pool?.terminate();
    this.pool = null;
    this.slots = [];
    this.claimed.clear();
  }

  private async slotLoop(slot: ComputeSlot, index: number, generation: number): Promise<void> {
    let unit: BufferedUnit | undefined;
    while (generation === this.generation) {
      try {
        unit ??= await this.claimNext();
        if (!unit) {
          this.message = navigator.onLine ? 'No work available right now; asking again shortly.' : 'Offline, and the work buffer is empty.';
          await sleep(IDLE_RETRY_MS);
          continue;
        }
        if (this.message.startsWith('No work') || this.message.startsWith('Offline')) this.message = 'Computing.';
        // The next unit is claimed while this one runs, so the worker waits for the page as little as possible.
        const next = this.claimNext().catch(() => undefined);
        await this.compute(slot, index, generation, unit);
        unit = await next;
      } catch (e) {
        unit = undefined;
        if (generation !== this.generation) return;
        this.error = describe(e);
        await sleep(IDLE_RETRY_MS);
      }
    }
  }

  /** The next replica no other worker has, fetching more when the buffer runs low. */
  private async claimNext() {
    const now = Date.now();
    if (now - this.expiredCheckedAt > EXPIRY_CHECK_MS) {
      this.expiredCheckedAt = now;
      for (const id of await dropExpired(now)) this.claimed.delete(id);
    }
    let ids = await bufferedIds();
    void this.fetcher.fill(this.fetchPlan()).then(() => this.countBuffer(), () => undefined);
    const free = (id: number) => !this.claimed.has(id) && !this.saving.has(id);
    if (!ids.some(free)) {
      await this.fetcher.fill(this.fetchPlan()).catch(() => 0);
      ids = await bufferedIds();
    }
    this.buffered = ids.length;
    const id = ids.find(free);
    if (id === undefined) return undefined;
    this.claimed.add(id);
    const unit = await bufferedUnit(id);
    if (!unit) this.claimed.delete(id); // completed or dropped meanwhile
    return unit;
  }

  private fetchPlan() {
    return {
      bufferMinutes: this.settings.bufferMinutes,
      flopsPerSecond: this.flopsPerSecond ?? DEFAULT_FLOPS,
      workers: this.slots.length,
      saveData: saveData(),
    };
  }

  private async countBuffer(): Promise<void> {
    this.buffered = (await bufferedIds()).length;
  }

  private async compute(slot: ComputeSlot, index: number, generation: number, unit: BufferedUnit) {
    const { app, workUnitId, replicaId, flopsEstimate } = unit.assignment;
    const started = performance.now();
    this.slots[index] = { app, workUnitId, replicaId, progress: 0, resumedFrom: null, secondsLeft: null };
    const options = { cpuLimit: this.settings.cpuLimitPercent / 100, gpu: this.settings.gpu };
    const result = await runUnit(slot, unit, options, ({ progress, resumedFrom }) => {
      if (generation !== this.generation || this.slots[index]?.replicaId !== replicaId) return;
      const done = progress - (resumedFrom ?? 0);
      const seconds = (performance.now() - started) / 1000;
      const secondsLeft = done > 0.02 && seconds > 0.5 ? (seconds * (1 - progress)) / done : null;
      this.slots[index] = { app, workUnitId, replicaId, progress, resumedFrom, secondsLeft };
    });
    if (generation === this.generation) this.slots[index] = null;
    if (result.kind !== 'done') this.claimed.delete(replicaId);
    else {
      // The next unit starts while this result is written; the replica is not taken again until it is in the outbox.
      this.saving.add(replicaId);
      this.claimed.delete(replicaId);
      void result.saved.finally(() => this.saving.delete(replicaId)).then(
        async () => {
          this.uploader.kick();
          this.waitingUpload = await outboxSize();
        },
        (e: unknown) => (this.error = `could not store a result: ${describe(e)}`),
      );
      if (generation === this.generation) {
        this.load = {
          busyMs: this.load.busyMs + result.outcome.busyMs,
          wallMs: (performance.now() - this.computingSince) * this.slots.length,
        };
      }
      if (result.outcome.busyMs > 0 && !unit.attempts) void this.measureSpeed(flopsEstimate / (result.outcome.busyMs / 1000));
    }
    if (result.kind === 'retry') {
      this.error = `work unit ${workUnitId} failed (${describe(result.error)}); trying it once more`;
    } else if (result.kind === 'failed') {
      this.error = `work unit ${workUnitId} failed twice (${describe(result.error)}); reported to the coordinator`;
      this.uploader.kick();
    }
  }

  /** The device's speed in FLOPS, smoothed over units. */
  private async measureSpeed(sample: number): Promise<void> {
    if (!Number.isFinite(sample)) return;
    this.flopsPerSecond = this.flopsPerSecond === null ? sample : 0.8 * this.flopsPerSecond + 0.2 * sample;
    await writeCounter('flopsPerSecond', this.flopsPerSecond);
  }

  dispose(): void {
    this.pause();
    this.signals.stop();
    this.uploader.dispose();
    for (const timer of this.timers) clearInterval(timer);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
