/**
 * @module worker-kernels/throttled-run
 * Runs a kernel under the worker's CPU limit. A synchronous kernel cannot sleep, so the worker makes it rest at its
 * checkpoints: when a rest is owed, checkpoint() records the state and unwinds the kernel, the worker sleeps, and
 * the kernel resumes from that checkpoint (the same answer, as resuming after a reload). Async kernels may instead
 * await ctx.pause() between blocks; a kernel computing in a thread of its own (a researcher's sandbox) takes the
 * limit over with ctx.ownCpuLimit() and reports its rests. Progress is forwarded at most every 100 ms so the page
 * is not flooded.
 */
import { DutyCycle } from './duty-cycle.ts';
import type { KernelContext } from './kernel.ts';

export interface RunHooks {
  progress(fraction: number): void;
  checkpoint(state: unknown): void;
  /** The worker rests this long for the CPU limit: no progress meanwhile is not a hang. */
  resting?(ms: number): void;
}

export interface Throttled<T> {
  value: T;
  /** Milliseconds spent inside the kernel. */
  busyMs: number;
  /** Milliseconds rested to keep to the CPU limit. */
  restMs: number;
}

const PROGRESS_EVERY_MS = 100;
/** Thrown through the kernel from checkpoint() to unwind it for a rest; never escapes this module. */
const REST = Symbol('rest');

// One duty cycle per worker, kept across units so that short units add up to a rest.
let duty: DutyCycle | undefined;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function runThrottled<T>(
  cpuLimit: number,
  hooks: RunHooks,
  resumeFrom: unknown,
  once: (ctx: KernelContext<unknown>) => T | Promise<T>,
): Promise<Throttled<T>> {
  if (duty?.limit !== cpuLimit) duty = new DutyCycle(cpuLimit);
  const cycle = duty;
  let busyMs = 0,
    restMs = 0,
    fraction = 0,
    lastProgress = 0;
  let state = resumeFrom;
  // Set once a kernel rests in a thread of its own (ctx.ownCpuLimit): its checkpoints then never unwind it.
  let ownRests = false;
  const rest = async () => {
    const owed = cycle.restOwed();
    cycle.end();
    if (owed > 0) {
      void hooks.resting?.(owed);
      await sleep(owed);
      restMs += owed;
      cycle.rested();
    }
    // A heartbeat for the page's hang watchdog; none before the kernel has said how far it is.
    if (fraction > 0) void hooks.progress(fraction);
  };
  const ctx: KernelContext<unknown> = {
    progress(f) {
      fraction = f;
      const now = performance.now();
      if (f >= 1 || now - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = now;
        void hooks.progress(f);
      }
    },
    checkpoint(s) {
      state = s;
      void hooks.checkpoint(s);
      if (!ownRests && fraction < 1 && cycle.restOwed() > 0) throw REST;
    },
    async pause() {
      if (cycle.restOwed() > 0) {
        await rest();
        cycle.begin();
      }
    },
    ownCpuLimit() {
      ownRests = true;
      return {
        limit: cycle.limit,
        carry: cycle.snapshot(),
        resting(ms) {
          cycle.end();
          void hooks.resting?.(ms);
        },
        resumed(restedMs) {
          restMs += restedMs;
          cycle.rested();
          cycle.begin();
        },
      };
    },
  };
  await rest(); // a rest owed from earlier units is taken before this one starts
  for (;;) {
    const started = performance.now();
    const restedBefore = restMs;
    cycle.begin();
    try {
      const value = await once({ ...ctx, resumeFrom: state });
      busyMs += performance.now() - started - (restMs - restedBefore);
      cycle.end();
      return { value, busyMs, restMs };
    } catch (e) {
      busyMs += performance.now() - started - (restMs - restedBefore);
      cycle.end();
      if (e !== REST) throw e;
      await rest();
    }
  }
}
