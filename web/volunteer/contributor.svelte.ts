/**
 * @module web/volunteer/contributor
 * The volunteer page's state. The volunteer's start and stop say whether to contribute; the policies say whether
 * computing may run now. This class is that gate, and the one place the parts meet: the compute loop (workers
 * taking replicas from the work buffer), the unit claims (buffer wiring), the result outbox (uploads and counts)
 * and the host account (standing at the coordinator). Components only read its fields and call start(), stop()
 * and changeSettings().
 */
import type { HostRegistration } from '../lib/host-identity.ts';
import { CoordinatorClient } from '../lib/coordinator-client.ts';
import { type Pause, whyNot } from '../lib/policy/rules.ts';
import {
  changeSettings,
  DEFAULT_SETTINGS,
  SettingsError,
  type Settings,
  type SettingsField,
  workerCount,
} from '../lib/policy/settings.ts';
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
  registration?: HostRegistration | undefined;
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
  /** Why computing waits while running, and when it resumes; null while computing or stopped. */
  pause = $state.raw<Pause | null>(null);
  /** The volunteer chose "compute anyway": the policies are set aside until they stop. */
  override = $state(false);
  /** The volunteer paused until then (ms since the epoch). */
  pausedUntil = $state<number | null>(null);
  settings = $state<Settings>(DEFAULT_SETTINGS);
  /** What is wrong with each setting the volunteer last tried to change, in plain words. */
  settingsErrors = $state.raw<Partial<Record<SettingsField, string>>>({});

  /** The coordinator as this host, for the parts of the page beside computing (the epoch attester). */
  readonly client: CoordinatorClient;
  private readonly board = new StatusBoard();
  private readonly account: HostAccount;
  private readonly outbox: ResultOutbox;
  private readonly claims: UnitClaims;
  private readonly loop: ComputeLoop;
  private readonly signals = new SignalWatcher(() => this.evaluate());
  private timers: ReturnType<typeof setInterval>[] = [];

  constructor({ project, registration }: ContributorOptions = {}) {
    const client = new CoordinatorClient(`${location.origin}/`, { project });
    this.client = client;
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
  get problem() {
    return this.board.problem;
  }
  /** The last error itself, for the widget's error channel. */
  get fault() {
    return this.board.fault;
  }
  /** What the volunteer sees the contributor doing: each has its own control and words. */
  get phase(): 'stopped' | 'starting' | 'computing' | 'paused' {
    if (!this.running) return 'stopped';
    if (this.computing) return 'computing';
    return this.pause ? 'paused' : 'starting';
  }
  /** Workers that run while computing, at the settings now. */
  get workerCount() {
    return workerCount(this.settings, navigator.hardwareConcurrency);
  }
  /** A typical unit's FLOPs, from the units run in this visit. */
  get typicalFlops() {
    return this.loop.typicalFlops;
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
      this.board.report('account', 'The page could not start: the coordinator or this browser’s storage failed.', e);
    }
  }

  refreshStatus(): Promise<void> {
    return this.account.refresh();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.board.problem = null;
    void saveRunning(true);
    this.evaluate();
  }

  stop(): void {
    if (!this.running) return;
    this.running = false;
    this.override = false;
    this.pausedUntil = null;
    void saveRunning(false);
    this.halt();
    this.pause = null;
    this.board.message = 'Stopped. Nothing runs until you press start again.';
  }

  /** Sets the policies aside until the volunteer stops: computing runs now whatever they say. */
  computeAnyway(): void {
    this.override = true;
    this.evaluate();
  }

  /** The volunteer's own pause, for `ms`; resume() or the time's end ends it. */
  pauseFor(ms: number): void {
    this.pausedUntil = Date.now() + ms;
    this.evaluate();
  }

  /** Ends the volunteer's own pause, and sets the policies back in force. */
  resume(): void {
    this.pausedUntil = null;
    this.override = false;
    this.evaluate();
  }

  /** Sets the volunteer's public name; throws what the coordinator said when it refuses. */
  rename(name: string): Promise<void> {
    return this.account.rename(name);
  }

  /** Applies a settings change if every value is valid; otherwise says what is wrong and changes nothing. */
  async changeSettings(change: Partial<Record<SettingsField, unknown>>): Promise<boolean> {
    let next: Settings;
    const others = Object.fromEntries(Object.entries(this.settingsErrors).filter(([k]) => !(k in change)));
    try {
      next = changeSettings(this.settings, change);
    } catch (e) {
      if (!(e instanceof SettingsError)) throw e;
      this.settingsErrors = { ...others, ...e.fields };
      return false;
    }
    this.settingsErrors = others;
    const resize =
      workerCount(next, navigator.hardwareConcurrency) !== this.loop.slots.length ||
      next.cpuLimitPercent !== this.settings.cpuLimitPercent;
    this.settings = next;
    await saveSettings($state.snapshot(next));
    if (resize && this.computing) this.halt(); // the next evaluate() resumes with the new pool
    this.evaluate();
    return true;
  }

  /** Pauses or resumes computing by the volunteer's choices and the policies. */
  private evaluate(): void {
    if (!this.running) return;
    const pause = this.ownPause() ?? (this.override ? null : whyNot(this.settings, this.signals.snapshot()));
    if (pause?.reason !== this.pause?.reason || pause?.resumesAt !== this.pause?.resumesAt) this.pause = pause;
    if (pause) {
      if (this.computing) this.halt();
      this.board.message = `Paused: ${pause.reason}.`;
    } else if (!this.computing) {
      this.computing = true;
      this.board.message = 'Computing.';
      this.loop.start(this.workerCount);
    }
  }

  private ownPause(): Pause | null {
    if (this.pausedUntil === null) return null;
    if (Date.now() >= this.pausedUntil) {
      this.pausedUntil = null;
      return null;
    }
    const at = new Date(this.pausedUntil).toLocaleTimeString([], { hour: 'numeric', minute: '2-digit' });
    return { rule: 'volunteer', reason: 'you paused it', resumes: `at ${at}`, resumesAt: this.pausedUntil };
  }

  /** Stops every worker at once; each unit in progress resumes from its checkpoint later. */
  private halt(): void {
    this.computing = false;
    this.loop.stop();
  }

  dispose(): void {
    this.halt();
    this.signals.stop();
    this.outbox.dispose();
    for (const timer of this.timers) clearInterval(timer);
  }
}
