/**
 * @module server/chain/background-pass
 * Turns a chain round into a pass that never holds up the others: the pass starts the round in the background if
 * none is running and returns whether the previous round did anything; a failure is logged once per distinct
 * message and retried next round (an RPC outage delays chain work, never validation).
 */
import type { Pass } from '../passes/passes.ts';

export interface BackgroundPass {
  pass: Pass;
  /** Waits for a round in flight. */
  idle(): Promise<void>;
}

/** @example const { pass, idle } = backgroundPass('chain poster', (now) => poster.runOnce(now)); */
export function backgroundPass(
  name: string,
  round: (now: number) => Promise<boolean>,
  log = (m: string) => console.warn(m),
): BackgroundPass {
  let inFlight: Promise<void> | undefined;
  let lastDid = false;
  let lastError = '';
  const pass: Pass = async (_store, now) => {
    const did = lastDid;
    lastDid = false;
    inFlight ??= round(now)
      .then((d) => {
        lastDid = d;
        lastError = '';
      })
      .catch((error: unknown) => {
        const message = error instanceof Error ? `${error.name}: ${error.message.split('\n')[0]}` : String(error);
        if (message !== lastError) log(`${name}: ${message} (will retry)`);
        lastError = message;
      })
      .finally(() => (inFlight = undefined));
    return did;
  };
  return { pass, idle: async () => void (await inFlight) };
}
