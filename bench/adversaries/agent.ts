/**
 * @module bench/adversaries/agent
 * One simulated identity (a host of a volunteer, from one network) speaking to the real store as the HTTP routes
 * do, and the honest host: asks for one replica when idle (the page retries each second), computes it for its own
 * time, reports the reference output.
 */
import type { SignalSearchOutput } from '../../protocol/signal-search.ts';
import type { Host, ReportedOutcome, ResultToRecord } from '../../server/store/types.ts';
import { fingerprint, type Outputs, type SentReplica, type World } from './world.ts';

/** What the page waits before asking again when it got nothing (web/volunteer/compute-loop.svelte.ts). */
export const IDLE_RETRY_MS = 1_000;

/** A replica held, and when its computation is done. */
export interface Held {
  replica: SentReplica;
  key: string;
  doneAt: number;
}

export class Agent {
  host: Host;
  readonly network: string;
  /** Milliseconds this identity takes (or pretends to take) per unit. */
  readonly unitMs: number;
  held: Held[] = [];
  received = 0;
  firstUnitAt: number | undefined;
  readonly registeredAt: number;
  /** How long it waits to ask again after getting nothing: the page's second, or the test's tick. */
  idleMs = IDLE_RETRY_MS;

  constructor(host: Host, network: string, unitMs: number, now: number) {
    this.host = host;
    this.network = network;
    this.unitMs = unitMs;
    this.registeredAt = now;
  }

  static async register(world: World, network: string, unitMs: number): Promise<Agent> {
    const agent = new Agent(await world.register(network), network, unitMs, world.now);
    agent.idleMs = world.tickMs;
    return agent;
  }

  async ask(world: World, maxReplicas: number): Promise<Held[]> {
    const issued = await world.issue(this.host, { maxReplicas, network: this.network });
    if (issued.length > 0) this.firstUnitAt ??= world.now;
    this.received += issued.length;
    // One after another, after what it already holds.
    const from = Math.max(world.now, ...this.held.map((h) => h.doneAt));
    const fresh = issued.map((replica, i) => ({
      replica,
      key: fingerprint(replica.job),
      doneAt: from + (i + 1) * this.unitMs,
    }));
    this.held.push(...fresh);
    return fresh;
  }

  /** The held replicas whose computation is done by now, taken off the list. */
  takeDone(now: number): Held[] {
    const done = this.held.filter((h) => h.doneAt <= now);
    this.held = this.held.filter((h) => h.doneAt > now);
    return done;
  }

  async report(world: World, entries: ResultToRecord[]): Promise<ReportedOutcome[]> {
    return entries.length === 0 ? [] : world.record(this.host, entries);
  }

  success(held: Held, output: SignalSearchOutput): ResultToRecord {
    const result = { app: 'signal-search' as const, output };
    return { status: 'success', token: held.replica.token, elapsedMs: this.unitMs, variant: 'wasm', result };
  }

  /** When this identity next has something to do. */
  nextAt(now: number): number {
    return this.held.length > 0 ? Math.min(...this.held.map((h) => h.doneAt)) : now + this.idleMs;
  }
}

/** Anything that acts on the clock's ticks: an honest host, or a team of attackers acting as one. */
export interface Actor {
  nextAt: number;
  act(world: World): Promise<void>;
}

export class HonestHost implements Actor {
  readonly agent: Agent;
  private readonly outputs: Outputs;
  nextAt: number;

  constructor(agent: Agent, outputs: Outputs, now: number) {
    this.agent = agent;
    this.outputs = outputs;
    this.nextAt = now;
  }

  async act(world: World): Promise<void> {
    const done = this.agent.takeDone(world.now);
    await this.agent.report(
      world,
      done.map((h) => this.agent.success(h, this.outputs.honest(h.replica.job))),
    );
    if (this.agent.held.length === 0) await this.agent.ask(world, 1);
    this.nextAt = this.agent.nextAt(world.now);
  }
}
