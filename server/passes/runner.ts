/**
 * @module server/passes/runner
 * Runs the passes in one process: round after round while any has work, then sleeps until the interval passes or
 * the API wakes it (a result arrived), so a quorum is decided moments after its last result, not a tick later.
 */
import type { Store } from '../store/store.ts';
import type { Pass } from './passes.ts';

export interface PassRunner {
  /** Ask for a round soon. */
  wake(): void;
  stop(): Promise<void>;
}

export interface RunnerOptions {
  intervalMs?: number;
  onError?: (name: string, error: unknown) => void;
  /** After each pass's run: how long it took and whether it threw (the coordinator's metrics). */
  onRun?: (name: string, ms: number, failed: boolean) => void;
}

export function startPasses(
  store: Store,
  passes: Record<string, Pass>,
  {
    intervalMs = 1000,
    onError = (name: string, e: unknown) => console.error(`pass ${name} failed:`, e),
    onRun = () => {},
  }: RunnerOptions = {},
): PassRunner {
  let stopped = false;
  let wakeUp: () => void = () => {};
  let woken = false;

  async function round(): Promise<boolean> {
    let busy = false;
    for (const [name, pass] of Object.entries(passes)) {
      const started = performance.now();
      let failed = false;
      try {
        busy = (await pass(store, Date.now())) || busy;
      } catch (error) {
        failed = true;
        onError(name, error);
      }
      onRun(name, performance.now() - started, failed);
    }
    return busy;
  }

  const loop = (async () => {
    while (!stopped) {
      woken = false;
      if (await round()) continue;
      if (woken) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wakeUp = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wakeUp = () => {};
    }
  })();

  return {
    wake() {
      woken = true;
      wakeUp();
    },
    async stop() {
      stopped = true;
      wakeUp();
      await loop;
    },
  };
}
