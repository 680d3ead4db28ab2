/**
 * @module e2e/support/partner-host
 * An honest second host for a lone volunteer page: it takes replicas, computes them with the reference kernels and
 * reports the results, so the page's units reach their quorum of two, validate, and its new-host quotas grow
 * (server/store/quota.ts). A lone page gets one replica of each unit, so without a partner it runs dry once the
 * waiting replicas are all second replicas of its own units. It computes in a child process of its own
 * (partner-host-process.ts): computing standard units in the Playwright runner's thread blocked the runner.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PartnerHost {
  /** Stops it (a replica it holds is simply never returned, as when a volunteer closes a tab). */
  stop(): Promise<void>;
}

/**
 * Starts the partner against the coordinator at `base`; it rests `restMs` after each result it reports and each
 * ask that found no work. Resolves once it is registered.
 *
 * @example
 * const partner = await startPartnerHost(coordinator.url);
 * try { ... } finally { await partner.stop(); }
 */
export async function startPartnerHost(base: string, restMs = 3_000): Promise<PartnerHost> {
  const script = fileURLToPath(new URL('partner-host-process.ts', import.meta.url));
  const child = spawn(process.execPath, [script, base, String(restMs)], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the partner host exited (${code}) before it registered`)));
  });
  return {
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
