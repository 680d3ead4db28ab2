/**
 * @module web/lib/registration-proof
 * Pays for a registration: asks the coordinator for a challenge and solves it in a worker of its own
 * (web/lib/registration-worker.ts), which ends once it has answered.
 */
import { wrap } from 'comlink';
import type { RegistrationChallenge, RegistrationProof } from '../../protocol/registration-proof.ts';
import type { RegistrationWorker } from './registration-worker.ts';

/** Solves `challenge` off the main thread. */
export async function solveInWorker(challenge: RegistrationChallenge): Promise<RegistrationProof> {
  const worker = new Worker(new URL('./registration-worker.ts', import.meta.url), {
    type: 'module',
    name: 'terraflop-registration',
  });
  try {
    return await wrap<RegistrationWorker>(worker).solveChallenge(challenge);
  } finally {
    worker.terminate();
  }
}
