/**
 * @module web/volunteer/contributor
 * The volunteer page's state. The volunteer's start and stop say whether to contribute; the policies say whether
 * computing may run now. This class is that gate, and the one place the parts meet: the compute loop (workers
 * taking replicas from the work buffer), the unit claims (buffer wiring), the result outbox (uploads and counts)
 * and the host account (standing at the coordinator). Components only read its fields and call start(), stop()
 * and changeSettings().
 */
import type { RegisterHost } from '../../protocol/host.ts';
import { CoordinatorClient } from '../lib/coordinator-client.ts';
import { whyNot } from '../lib/policy/rules.ts';
import { changeSettings, DEFAULT_SETTINGS, workerCount, type Settings } from '../lib/policy/settings.ts';
import { saveData, SignalWatcher } from '../lib/policy/signals.ts';
import { loadRunning, loadSettings, saveRunning, saveSettings } from '../lib/storage/preferences.ts';
import { ComputeLoop } from './compute-loop.svelte.ts';
import { HostAccount } from './host-account.svelte.ts';
import { ResultOutbox } from './result-outbox.svelte.ts';
import { StatusBoard } from './status-board.svelte.ts';
import { UnitClaims } from './unit-claims.svelte.ts';

export type { CurrentUnit } from './compute-loop.svelte.ts';

/** How the partner widget's client differs from the volunteer page's; the page passes none of it. */
export interface ContributorOptions {
  /** Compute only this project's units (its short name). */
  project?: string | undefined;
  /** Sent when registering a host, also when registering afresh after the coordinator forgot this one. */
  registration?: Omit<RegisterHost, 'publicKey'> | undefined;
}

const STATUS_EVERY_MS = 2_000;
const POLICY_EVERY_MS = 250;
/** Starting guess of the device's speed, until a unit has measured it. */
const DEFAULT_FLOPS = 1e9;

export class Contributor {
  /** The volunteer's choice: contribute or not. Persisted, so a reload carries on. */
  running = $state(false);
  /** Whether workers run now: running, and every policy allows. */
  computing = $state(false);
  pausedBecause = $state<string | null>(null);
  settings = $state<Settings>(DEFAULT_SETTINGS);
  settingsError = $state<string | null>(null);

  private readonly board = new StatusBoard();
  private readonly account: HostAccount;
  private readonly outbox: ResultOutbox;
  private readonly claims: UnitClaims;
  private readonly loop: ComputeLoop;
  private readonly signals = new SignalWatcher(() => this.evaluate());
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor({ project, registration }: ContributorOptions = {}) {
    const client = new CoordinatorClient(`${location.origin}/`, { project });
    this.outbox = new ResultOutbox(client, this.board, () => void this.refreshStatus());
    this.account = new HostAccount(client, registration, this.board, () => this.outbox.reachable());
    this.claims = new UnitClaims(client, () => ({
      bufferMinutes: this.settings.bufferMinutes,
      flopsPerSecond: this.loop.flopsPerSecond ?? DEFAULT_FLOPS,
      workers: this.loop.slots.length,
      saveData: saveData(),
    }));
    this.loop = new ComputeLoop(this.claims, this.outbox, this.board, () => this.settings);
  }

  // What the page shows, as the parts keep it.
  get message() {
    return this.board.message;
  }
  get error() {
    return this.board.error;
  }
  /** The last error itself, for the widget's error channel. */
  get fault() {
    return this.board.fault;
  }
  get status() {
    return this.account.status;
  }
  get creditToday() {
    return this.account.creditToday;
  }
  get unitsDone() {
    return this.outbox.unitsDone;
  }
  get waitingUpload() {
    return this.outbox.waitingUpload;
  }
  /** Results the coordinator refused (other than duplicates of results it has). */
  get refused() {
    return this.outbox.refused;
  }
  get buffered() {
    return this.claims.buffered;
  }
  get slots() {
    return this.loop.slots;
  }
  get current() {
    return this.loop.current;
  }
  get flopsPerSecond() {
    return this.loop.flopsPerSecond;
  }
  get load() {
    return this.loop.load;
  }

  /** Loads settings and counters, registers (once per browser profile), and resumes if the volunteer had started. */
  async init(): Promise<void> {
    try {
      this.settings = await loadSettings();
      await this.outbox.load();
      await this.loop.loadSpeed();
      await this.claims.count();
      await this.signals.start();
      this.timers.push(setInterval(() => this.evaluate(), POLICY_EVERY_MS));
      if (await loadRunning()) this.start();
      this.outbox.kick();
      await this.account.identify();
      await this.refreshStatus();
      this.timers.push(setInterval(() => void this.refreshStatus(), STATUS_EVERY_MS));
    } catch (e) {
      this.board.report(e);
    }
  }

  refreshStatus(): Promise<void> {
    return this.account.refresh();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.board.error = null;
    void saveRunning(true);
    this.evaluate();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    void saveRunning(false);
    this.pause();
    this.pausedBecause = null;
    this.board.message = 'Stopped. Nothing runs until you press start again.';
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
    const resize =
      workerCount(next, navigator.hardwareConcurrency) !== this.loop.slots.length ||
      next.cpuLimitPercent !== this.settings.cpuLimitPercent;
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
      this.board.message = `Paused: ${reason}.`;
    } else if (!this.computing) {
      this.computing = true;
      this.board.message = 'Computing.';
      this.loop.start(workerCount(this.settings, navigator.hardwareConcurrency));
    }
  }

  /** Stops every worker at once; each unit in progress resumes from its checkpoint later. */
  private pause(): void {
    this.computing = false;
    this.loop.stop();
  }

  dispose(): void {
    this.pause();
    this.signals.stop();
    this.outbox.dispose();
    for (const timer of this.timers) clearInterval(timer);
  }
}
