/**
 * @module worker-kernels/duty-cycle
 * The CPU limit of one worker as a duty cycle (BOINC's "use at most N% of CPU time"): the worker computes while
 * its busy share of the wall clock stays under the limit and rests when it goes over. Rests happen at the kernel's
 * checkpoints and between units, so kernels need no sleeping of their own.
 */

/** Shortest busy stretch before a rest: long enough that restarting from a checkpoint costs little. */
export const SLICE_MS = 250;

/** Where a cycle's window stands: busy milliseconds in it, and its length so far. */
export interface DutySnapshot {
  busyMs: number;
  windowMs: number;
}

export class DutyCycle {
  /** Busy share allowed, in (0, 1]. */
  readonly limit: number;
  private readonly clock: () => number;
  private windowStart: number;
  private busy = 0;
  private busySince: number | undefined;

  constructor(limit: number, clock: () => number = () => performance.now()) {
    if (!(limit > 0 && limit <= 1)) throw new RangeError(`CPU limit must be in (0, 1], got ${limit}`);
    this.limit = limit;
    this.clock = clock;
    this.windowStart = clock();
  }

  /** The kernel starts (or resumes) computing. */
  begin(): void {
    this.busySince ??= this.clock();
  }

  /** The kernel stops computing (a rest, the end of a unit, an error). */
  end(): void {
    if (this.busySince === undefined) return;
    this.busy += this.clock() - this.busySince;
    this.busySince = undefined;
  }

  private busyNow(): number {
    return this.busy + (this.busySince === undefined ? 0 : this.clock() - this.busySince);
  }

  /** Milliseconds to rest now to bring the busy share back to the limit; 0 when none is owed yet. */
  restOwed(): number {
    if (this.limit >= 1) return 0;
    const busy = this.busyNow();
    if (busy < SLICE_MS * this.limit) return 0;
    return Math.max(0, busy / this.limit - (this.clock() - this.windowStart));
  }

  /** The window so far, for a cycle kept on in another thread (DutyCycle.from). */
  snapshot(): DutySnapshot {
    return { busyMs: this.busyNow(), windowMs: this.clock() - this.windowStart };
  }

  /**
   * A cycle that goes on from another's snapshot, idle until begin(): a researcher's sandbox thread keeps the
   * worker's window (so short units still add up to a rest) with a clock of its own.
   * @example const cycle = DutyCycle.from(0.5, { busyMs: 80, windowMs: 200 });
   */
  static from(limit: number, snapshot: DutySnapshot, clock: () => number = () => performance.now()): DutyCycle {
    const cycle = new DutyCycle(limit, clock);
    cycle.windowStart -= Math.max(0, snapshot.windowMs);
    cycle.busy = Math.max(0, snapshot.busyMs);
    return cycle;
  }

  /** After a rest: the next window starts now. */
  rested(): void {
    this.windowStart = this.clock();
    this.busy = 0;
    if (this.busySince !== undefined) this.busySince = this.windowStart;
  }
}
