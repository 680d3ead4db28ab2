/**
 * @module e2e/support/own-coordinator
 * A second real coordinator for specs that need other demo units than playwright.config.ts's tiny ones, or none:
 * its own process, its own data folder, a free port chosen by the OS, stopped after the spec.
 */
import { readyUrl } from '../../server/testing/ready-url.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnCoordinator {
  url: string;
  /** Its data folder, for the operator's command (`terraflop project create`) to reach its database. */
  data: string;
  stop(): Promise<void>;
}

export interface OwnCoordinatorOptions {
  /** The built web app to serve (TERRAFLOP_WEB), e.g. a copy of dist/ that a spec changes; dist/ by default. */
  web?: string;
  /** More settings, over the ones above (e.g. TERRAFLOP_OPERATOR). */
  env?: Record<string, string>;
  /** How long it may take to say it is ready (an embedded chain starts anvil and deploys first); 30 s by default. */
  readyTimeoutMs?: number;
}

export async function startOwnCoordinator(
  demo: 'tiny' | 'standard' | 'off',
  { web, env, readyTimeoutMs }: OwnCoordinatorOptions = {},
): Promise<OwnCoordinator> {
  const data = mkdtempSync(join(tmpdir(), 'terraflop-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['server/main.ts'], {
    env: {
      ...process.env,
      TERRAFLOP_HOST: '127.0.0.1',
      TERRAFLOP_PORT: '0',
      TERRAFLOP_DATA: data,
      TERRAFLOP_DEMO: demo,
      TERRAFLOP_PASS_INTERVAL_MS: '200',
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1', // simulated hosts forward networks of their own
      TERRAFLOP_REGISTRATION_WORK_BITS: '10', // pages still solve the proof of work in a worker, an easy one
      TERRAFLOP_CHAIN: 'off',
      TERRAFLOP_SIBLING_WAIT_S: '1', // pages of a spec pair up on a unit within seconds
      TERRAFLOP_HOSTS_PER_NETWORK: '1000000', // its pages all come from loopback
      ...(web && { TERRAFLOP_WEB: web }),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const url = await readyUrl(child, readyTimeoutMs);
  return {
    url,
    data,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}
