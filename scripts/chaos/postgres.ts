/**
 * @module scripts/chaos/postgres
 * A Postgres cluster of the campaign's own, in a temporary folder on its own port, so that restarting it disturbs
 * nobody else's tests: initdb and pg_ctl, run as the `postgres` user when this process is root (initdb refuses root).
 */
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface OwnPostgres {
  url: string;
  /** Restarts it; `immediate` is a crash (no checkpoint; recovery from the log on start). */
  restart(mode: 'fast' | 'immediate'): Promise<void>;
  stop(): void;
}

export function startOwnPostgres(port: number): OwnPostgres {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-chaos-pg-'));
  const data = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    chownSync(dir, Number(id.stdout), Number(gid.stdout));
  }
  const command = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  const run = (cmd: string, ...args: string[]) => {
    const r = spawnSync(...command(cmd, args), { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.stdout}`);
  };
  run('initdb', '-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync');
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=100`;
  const ctlArgs = (...args: string[]) => ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', ...args];
  const ctl = (...args: string[]) => run('pg_ctl', ...ctlArgs(...args));
  ctl('start');
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    // Not blocking: the campaign's hosts and proxies go on while Postgres restarts.
    restart: async (mode) => void (await promisify(execFile)(...command('pg_ctl', ctlArgs('-m', mode, 'restart')))),
    stop() {
      try {
        ctl('-m', 'immediate', 'stop');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}
