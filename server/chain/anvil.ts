/**
 * @module server/chain/anvil
 * The embedded chain: a local anvil (from the npm package @foundry-rs/anvil) bound to 127.0.0.1 on a free port,
 * its state dumped to a file in the data folder (every few seconds and on exit) and loaded from it on the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BaseError } from '../../protocol/base-error.ts';

export interface AnvilOptions {
  /** File to load the chain from and dump it to; none for a throwaway chain (tests). */
  stateFile?: string;
  chainId?: number;
  /** Seconds between state dumps; a crash loses at most this much, which the poster re-posts. */
  stateIntervalS?: number;
  /** A fixed port (a fault campaign restarts the node where the coordinator's RPC URL points); any free one if 0. */
  port?: number;
}

export interface Anvil {
  rpcUrl: string;
  chainId: number;
  stop(): Promise<void>;
  /** Kills the node outright (SIGKILL), as a crash would: what it had not dumped is lost. */
  kill(): void;
}

export class AnvilStartError extends BaseError {
  override name = 'AnvilStartError' as const;
}

/** The platform's anvil binary, spawned directly so that stopping it needs no wrapper to forward signals. */
function anvilBinary(): string {
  const require = createRequire(import.meta.url);
  const arch = process.arch === 'x64' ? 'amd64' : process.arch;
  try {
    const pkg = require.resolve(`@foundry-rs/anvil-${process.platform}-${arch}/package.json`);
    const bin = join(dirname(pkg), 'bin', 'anvil');
    if (existsSync(bin)) return bin;
  } catch {
    // fall through to the error below
  }
  throw new AnvilStartError(`no anvil binary for ${process.platform}-${arch}: is @foundry-rs/anvil installed?`);
}

/**
 * Starts anvil and resolves once it listens.
 * @example const anvil = await startAnvil({ stateFile: 'data/chain/anvil-state.json' }); await anvil.stop();
 */
export async function startAnvil({
  stateFile,
  chainId = 31337,
  stateIntervalS = 2,
  port: fixedPort = 0,
}: AnvilOptions = {}): Promise<Anvil> {
  const args = ['--host', '127.0.0.1', '--port', String(fixedPort), '--chain-id', String(chainId)];
  if (stateFile) args.push('--state', stateFile, '--state-interval', String(stateIntervalS));
  const pidFile = stateFile && `${stateFile}.pid`;
  if (pidFile) await stopStale(pidFile, stateFile);
  const child = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const port = await listeningPort(child);
  if (pidFile) writeFileSync(pidFile, String(child.pid));
  return {
    rpcUrl: `http://127.0.0.1:${port}`,
    chainId,
    async stop() {
      await stopChild(child);
      if (pidFile) rmSync(pidFile, { force: true });
    },
    kill: () => void child.kill('SIGKILL'),
  };
}

/**
 * A coordinator killed outright leaves its anvil running on the same state file; two nodes dumping one file would
 * corrupt it, so the next start stops the old one first (only if it is our anvil on that very file).
 */
async function stopStale(pidFile: string, stateFile: string): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    return; // gone already
  }
  if (!Number.isInteger(pid) || !cmdline.includes('anvil') || !cmdline.includes(stateFile)) return;
  process.kill(pid, 'SIGTERM'); // anvil dumps its state on the way out
  for (let i = 0; i < 100 && existsSync(`/proc/${pid}`); i++) await new Promise((r) => setTimeout(r, 50));
  if (existsSync(`/proc/${pid}`)) process.kill(pid, 'SIGKILL');
}

function listeningPort(child: ChildProcess): Promise<number> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => fail(new AnvilStartError(`anvil did not start within 20 s:\n${output}`)), 20_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /Listening on 127\.0\.0\.1:(\d+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve(Number(match[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('error', (e) => fail(new AnvilStartError(`anvil failed to start: ${e.message}`)));
    child.once('exit', (code) => fail(new AnvilStartError(`anvil exited with ${code} before listening:\n${output}`)));
  });
}

/** SIGTERM (anvil dumps its state on the way out), SIGKILL after 5 s. */
function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
