/**
 * @module bench/crowd
 * What the coordinator benchmarks share: the smallest real unit, coordinator processes started as `npm run serve`
 * starts them, their memory and CPU read from /proc, and hosts that compute a unit's output once for both replicas.
 */
import { signalSearchUnit } from '../server/demo/signal-search-feeder.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SignalSearchInput } from '../protocol/signal-search.ts';
import type { Assignment, SuccessEntry } from '../protocol/work.ts';
import type { NewWorkUnit } from '../server/store/types.ts';
import type { SimHost } from '../server/testing/sim-host.ts';
import { readyUrl } from '../server/testing/ready-url.ts';

/** The smallest signal-search unit: the coordinator's cost, not the kernel's, is what is measured. */
export function smallestUnit(seed: number): NewWorkUnit {
  const input = SignalSearchInput.parse({
    signal: { seed, sampleCount: 256, noise: 1, tones: [{ frequency: 0.25, drift: 0, amplitude: 2 }] },
    fftSize: 16,
    driftRates: [0],
    threshold: 8,
    maxPeaks: 4,
  });
  return signalSearchUnit(input, 3600);
}

/**
 * The coordinator runs as `npm run serve` runs it: the environment and Node flags of that script in package.json
 * (a smaller young generation and fewer malloc arenas keep its memory down), plus BENCH_NODE_ARGS (e.g. --cpu-prof).
 */
export function serveCommand(): { env: Record<string, string>; flags: string[] } {
  const script = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts[
    'serve'
  ]!;
  const words = script.split(/\s+/);
  const env = Object.fromEntries(words.filter((w) => /^[A-Z_]+=/.test(w)).map((w) => w.split('=') as [string, string]));
  return { env, flags: words.filter((w) => w.startsWith('--')) };
}

/** A coordinator process of a benchmark: it dies with the benchmark. */
export interface CoordinatorProcess {
  child: ChildProcess;
  url: string;
}

const started: ChildProcess[] = [];
process.once('exit', () => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

/** `node server/main.ts` on `port` with `env`, as `npm run serve` would start it; resolves once it listens. */
export async function startCoordinatorProcess(
  env: NodeJS.ProcessEnv,
  port: number,
  readyTimeoutMs = 30_000,
): Promise<CoordinatorProcess> {
  const serve = serveCommand();
  const args = [...serve.flags, ...(process.env['BENCH_NODE_ARGS']?.split(' ') ?? []), 'server/main.ts'];
  const child = spawn(process.execPath, args, {
    env: { ...env, ...serve.env, TERRAFLOP_PORT: String(port) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  started.push(child);
  try {
    return { child, url: await readyUrl(child, readyTimeoutMs) };
  } catch (error) {
    // Late rather than dead: it must not take the port after its caller has given up on it.
    child.kill('SIGKILL');
    throw error;
  }
}

/** Resident memory of a process, in MB. */
export function rssMb(pid: number): number {
  const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
  return kb / 1024;
}

/** CPU seconds (user + system) a process has used: a figure the machine's other load disturbs less. */
export function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Hosts compute instantly: a unit's second replica is given the output its first one got (what an honest host
 * computes anyway), so the kernel runs once a unit and the benchmark's own CPU goes to its requests.
 */
export function onceAUnit(): (host: SimHost, a: Assignment) => SuccessEntry {
  // Known by its input, as a host knows a unit: its token says nothing of which unit it is a replica of.
  const computed = new Map<string, SuccessEntry['result']>();
  return (host, a) => {
    const unit = JSON.stringify(a.input);
    const known = computed.get(unit);
    if (!known) {
      const entry = host.compute(a);
      computed.set(unit, entry.result);
      return entry;
    }
    computed.delete(unit);
    return { status: 'success', replicaId: a.replicaId, variant: 'reference', elapsedMs: 1, result: known };
  };
}
