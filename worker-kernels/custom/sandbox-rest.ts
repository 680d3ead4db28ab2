/**
 * @module worker-kernels/custom/sandbox-rest
 * How a researcher's module rests for the volunteer's CPU limit. The sandbox runs the module synchronously in its own
 * thread, so it keeps the worker's duty cycle itself (carried over from the compute worker) and rests where the module
 * calls out to it: at `progress` and `checkpoint`, when a rest is owed. It rests in the first way the engine offers:
 * - `suspend`: JSPI. The imports are WebAssembly.Suspending and `run` is called through WebAssembly.promising, so a
 *   rest suspends the module's stack on a timer and the thread is free meanwhile (Chromium 137+, Node 24).
 * - `wait`: Atomics.wait on a one-page shared WebAssembly.Memory, which blocks the thread (a worker may; Chromium
 *   allows the shared memory without cross-origin isolation, though it hides SharedArrayBuffer there).
 * - `unwind`: at a checkpoint, the import throws through the module; after the rest a fresh instance resumes from
 *   that checkpoint, as after a reload. A module that never checkpoints (or catches foreign exceptions) is not rested
 *   within its run this way; the worker then rests after the unit for all of it.
 * A synchronous XMLHttpRequest would also block, but it is a network request by a page that promises none.
 */
import { DutyCycle, type DutySnapshot } from '../duty-cycle.ts';

export type RestMode = 'suspend' | 'wait' | 'unwind';

/** The CPU limit a sandbox keeps to. */
export interface SandboxCpu {
  /** Busy share allowed, in (0, 1]. */
  limit: number;
  /** The worker's duty-cycle window to carry on from; a fresh one by default. */
  carry?: DutySnapshot | undefined;
  /**
   * When the carry was taken, in ms since the epoch (performance.timeOrigin + performance.now(), comparable across
   * threads): the sandbox's own start since then counts as busy, as the worker counts it.
   */
  carriedAt?: number | undefined;
  /** How to rest; the best this engine offers by default (pickRestMode), a test forces each. */
  by?: RestMode | undefined;
}

/** One rest, as the duty cycle planned it: `ms` = `busyMs` / limit − `windowMs`. */
export interface SandboxRest {
  ms: number;
  /** Busy milliseconds in the window that ended with this rest. */
  busyMs: number;
  /** The window's length before the rest. */
  windowMs: number;
  by: RestMode;
}

export type RestMessage = { type: 'resting'; rest: SandboxRest } | { type: 'resumed'; restedMs: number };

/** JSPI, missing from TypeScript's lib. */
export const jspi = WebAssembly as unknown as {
  Suspending?: new (f: (...args: never[]) => unknown) => WebAssembly.ImportValue;
  promising?: <A extends unknown[]>(f: (...args: A) => unknown) => (...args: A) => Promise<unknown>;
};

/** Thrown through the module from its checkpoint call to unwind it for a rest (`unwind`); never leaves the sandbox. */
export const UNWIND = Symbol('unwind');

/** The best way to rest that this engine offers. */
export function pickRestMode(): RestMode {
  if (typeof jspi.Suspending === 'function' && typeof jspi.promising === 'function') return 'suspend';
  try {
    new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true });
    return 'wait';
  } catch {
    return 'unwind'; // shared memory needs cross-origin isolation in this browser
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * A sandbox's duty cycle: busy from construction, resting when the module's calls find a rest owed.
 * @example const throttle = new SandboxThrottle({ limit: 0.5 }, post); // then throttle.atCall(false) in progress
 */
export class SandboxThrottle {
  readonly by: RestMode;
  rests = 0;
  restMs = 0;
  private readonly cycle: DutyCycle;
  private readonly started = performance.now();
  private readonly post: (m: RestMessage) => void;
  private cell: Int32Array | undefined;
  /** Held while a rest is decided, so that its figures and the rest owed are of one instant. */
  private frozen: number | undefined;

  constructor(cpu: SandboxCpu, post: (m: RestMessage) => void) {
    const { busyMs, windowMs } = cpu.carry ?? { busyMs: 0, windowMs: 0 };
    const starting =
      cpu.carriedAt === undefined ? 0 : Math.max(0, performance.timeOrigin + performance.now() - cpu.carriedAt);
    const carry = { busyMs: busyMs + starting, windowMs: windowMs + starting };
    this.frozen = performance.now(); // the window and its first busy stretch start at one instant
    this.cycle = DutyCycle.from(cpu.limit, carry, () => this.frozen ?? performance.now());
    this.by = cpu.by ?? pickRestMode();
    this.post = post;
    this.cycle.begin();
    this.frozen = undefined;
  }

  /**
   * At the module's progress or checkpoint call: rests if owed. `suspend` gives the promise for the Suspending
   * import to wait on, `wait` blocks here, `unwind` throws UNWIND (at a checkpoint only, where the state is saved).
   */
  atCall(checkpoint: boolean): Promise<void> | undefined {
    if (this.cycle.restOwed() <= 0 || (this.by === 'unwind' && !checkpoint)) return undefined;
    if (this.by === 'unwind') throw UNWIND;
    const { ms, since } = this.begin();
    if (this.by === 'suspend') return sleep(ms).then(() => this.end(since));
    this.cell ??= new Int32Array(new WebAssembly.Memory({ initial: 1, maximum: 1, shared: true }).buffer);
    Atomics.wait(this.cell, 0, 0, ms);
    this.end(since);
    return undefined;
  }

  /** After an unwind: the rest that was owed, before the next instance starts. */
  async restNow(): Promise<void> {
    if (this.cycle.restOwed() <= 0) return;
    const { ms, since } = this.begin();
    await sleep(ms);
    this.end(since);
  }

  /** The run is over: its busy milliseconds, rests excluded. */
  finish(): number {
    this.cycle.end();
    return performance.now() - this.started - this.restMs;
  }

  private begin(): { ms: number; since: number } {
    this.frozen = performance.now();
    const rest = { ms: this.cycle.restOwed(), ...this.cycle.snapshot(), by: this.by };
    this.cycle.end();
    this.frozen = undefined;
    this.post({ type: 'resting', rest });
    return { ms: rest.ms, since: performance.now() };
  }

  private end(since: number): void {
    // One instant for the rest's end and the next window's start, so that nothing but computing lies between two
    // rests, however long this thread waits to be scheduled between the two calls.
    this.frozen = performance.now();
    const restedMs = this.frozen - since;
    this.rests++;
    this.restMs += restedMs;
    this.cycle.rested();
    this.cycle.begin();
    this.frozen = undefined;
    this.post({ type: 'resumed', restedMs });
  }
}
