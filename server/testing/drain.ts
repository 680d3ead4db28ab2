/**
 * @module server/testing/drain
 * Runs the coordinator's passes until none has anything left to do: a deterministic stand-in for the background
 * runner, for tests and simulations that drive the store directly.
 */
import { credit, revoker, settler, transitioner, validator } from '../passes/passes.ts';
import type { Store } from '../store/store.ts';

export async function drain(store: Store, now: number, settlingMs = 86_400_000): Promise<void> {
  const passes = [transitioner, validator, revoker, credit, settler(settlingMs)];
  for (let round = 0; round < 1000; round++) {
    let busy = false;
    for (const pass of passes) {
      const did = await pass(store, now);
      if (did && process.env['DRAIN_DEBUG'] && round > 990) console.log('busy', round, pass.name);
      busy = did || busy;
    }
    if (!busy) return;
  }
  throw new Error('passes did not settle within 1000 rounds');
}
