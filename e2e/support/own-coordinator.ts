/**
 * @module e2e/support/own-coordinator
 * A second real coordinator for specs that need other demo units than playwright.config.ts's tiny ones: its own
 * process, its own data folder, a free port chosen by the OS, stopped after the spec.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnCoordinator {
  url: string;
  stop(): Promise<void>;
}

export async function startOwnCoordinator(demo: 'tiny' | 'standard'): Promise<OwnCoordinator> {
  const data = mkdtempSync(join(tmpdir(), 'terraflop-e2e-'));
  const child: ChildProcess = spawn(process.execPath, ['server/main.ts'], {
    env: { ...process.env, TERRAFLOP_HOST: '127.0.0.1', TERRAFLOP_PORT: '0', TERRAFLOP_DATA: data, TERRAFLOP_DEMO: demo, TERRAFLOP_PASS_INTERVAL_MS: '200', TERRAFLOP_CHAIN: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`coordinator did not start within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer) => {
      output += chunk.toString();
      const found = /open (http:\/\/\S+?\/) to contribute/.exec(output);
      if (found) {
        clearTimeout(timer);
        resolve(found[1]!);
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    child.once('exit', (code) => reject(new Error(`coordinator exited with ${code}:\n${output}`)));
  });
  return {
    url,
    async stop() {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
      rmSync(data, { recursive: true, force: true });
    },
  };
}
