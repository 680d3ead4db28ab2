/**
 * @module bench/kernels
 * `npm run bench:kernels`: throughput of each kernel's WebAssembly variant in Node against a native C build of the
 * same algorithm (bench/<app>.c, gcc -O3 -march=native, built here), and their ratio (goal: ≥ 0.7); then each WGSL
 * kernel's GFLOP/s in Chromium and its share of the device's peak (bench/kernels-webgpu.ts). The two sides
 * run alternately, ROUNDS pairs per kernel after a warm-up pair, so a change in the machine's load falls on both;
 * each side's figure is its best run on CPU time (which preemption by other jobs does not inflate), with the wall
 * clock's ratio beside it. Both sides time the same work (input generation excluded) and their answers are
 * cross-checked. Prints the CPU model and load average; the last line is one JSON object:
 * {"machine":{…},"clock":"CPU time","kernels":{"<app>":{"wasm","native","ratio","pairRatios","wallRatio","unit"}},
 * "webgpu":{"adapter","peak","kernels"}}. `BENCH_ROUNDS` sets the pairs (7); `BENCH_WEBGPU=0` leaves Chromium out.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SignalSearchInput } from '../protocol/signal-search.ts';
import { loadCollatzWasm } from '../worker-kernels/collatz/wasm.ts';
import { generateMatrices } from '../worker-kernels/matmul/matrices.ts';
import { loadMatmulWasm } from '../worker-kernels/matmul/wasm.ts';
import { generateSignal } from '../worker-kernels/signal-search/signal.ts';
import { loadSignalSearchWasm } from '../worker-kernels/signal-search/wasm.ts';
import { webgpuFigures } from './kernels-webgpu.ts';
import { describeMachine, machine } from './machine.ts';

const quiet = { progress() {}, checkpoint() {} };
const ROUNDS = Number(process.env['BENCH_ROUNDS'] ?? 7);
const here = fileURLToPath(new URL('.', import.meta.url));
const binDir = join(tmpdir(), 'terraflop-bench');

/** Seconds one run took, on the CPU clock and the wall clock. */
interface Timing {
  cpu: number;
  wall: number;
}

/**
 * The best of `repeats` runs of `work`, on each clock. The CPU clock is the process's (getrusage RUSAGE_SELF, which
 * Linux brings up to date when read; RUSAGE_THREAD, behind `process.threadCpuUsage`, is only as fresh as the last
 * scheduler tick, 4 ms off on a run of a few): V8's helper threads count too, against WebAssembly.
 */
function timed(repeats: number, work: () => void): Timing {
  const best = { cpu: Infinity, wall: Infinity };
  for (let r = 0; r < repeats; r++) {
    const cpu = process.cpuUsage();
    const wall = performance.now();
    work();
    const used = process.cpuUsage(cpu);
    best.cpu = Math.min(best.cpu, (used.user + used.system) / 1e6);
    best.wall = Math.min(best.wall, (performance.now() - wall) / 1000);
  }
  return best;
}

/**
 * Builds bench/<app>.c; the returned function runs it (`repeats` times in one process) and gives its best timing
 * and its printed answers.
 */
function native(app: string, repeats: number): (args: (string | number)[]) => { timing: Timing; answers: number[] } {
  mkdirSync(binDir, { recursive: true });
  const bin = join(binDir, app);
  execFileSync('gcc', ['-O3', '-march=native', '-o', bin, join(here, `${app}.c`), '-lm']);
  return (args) => {
    const [cpu, wall, ...answers] = execFileSync(bin, [...args.map(String), String(repeats)], { encoding: 'utf8' })
      .trim()
      .split(/\s+/)
      .map(Number);
    return { timing: { cpu: cpu!, wall: wall! }, answers };
  };
}

function check(app: string, ok: boolean, detail: string): void {
  if (!ok) throw new Error(`bench:kernels: ${app}: WASM and native disagree (${detail})`);
}

interface Figure {
  wasm: number;
  native: number;
  /** wasm / native on the CPU clock: the figure the goal is about. */
  ratio: number;
  /** The lowest and highest ratio of one pair. */
  pairRatios: [number, number];
  /** wasm / native on the wall clock (best runs), which the machine's other load moves. */
  wallRatio: number;
  unit: string;
}

/**
 * Runs the two sides alternately, a warm-up pair first (WebAssembly tiers up from its baseline compiler), and makes
 * their best runs a figure of `work` units per second.
 */
function alternate(work: number, unit: string, wasm: () => Timing, nativeRun: () => Timing): Figure {
  wasm();
  nativeRun();
  const pairs = Array.from({ length: ROUNDS }, () => [wasm(), nativeRun()] as const);
  const best = (side: 0 | 1, clock: keyof Timing) => Math.min(...pairs.map((p) => p[side][clock]));
  const ratios = pairs.map(([w, n]) => n.cpu / w.cpu);
  const r3 = (x: number) => Number(x.toFixed(3));
  return {
    wasm: Number((work / best(0, 'cpu')).toPrecision(4)),
    native: Number((work / best(1, 'cpu')).toPrecision(4)),
    ratio: r3(best(1, 'cpu') / best(0, 'cpu')),
    pairRatios: [r3(Math.min(...ratios)), r3(Math.max(...ratios))],
    wallRatio: r3(best(1, 'wall') / best(0, 'wall')),
    unit,
  };
}

async function matmul(): Promise<Figure> {
  const input = { seed: 1, m: 512, k: 512, n: 512 };
  const wasm = await loadMatmulWasm('relaxed');
  const matrices = generateMatrices(input);
  // A product takes milliseconds: each side's sample in a pair is its best of five, warm, as the other kernels' are.
  const run = native('matmul', 5);
  let sum = 0;
  const nativeRun = () => {
    const { timing, answers } = run([1, 512, 512, 512]);
    check('matmul', Math.abs(sum - answers[0]!) <= 1e-4 * sum, `${sum} vs ${answers[0]}`);
    return timing;
  };
  const wasmTimed = () => timed(5, () => (sum = wasm.multiply(matrices, input).rowAbsSums.reduce((x, y) => x + y, 0)));
  return alternate((2 * 512 ** 3) / 1e9, 'GFLOP/s', wasmTimed, nativeRun);
}

async function signalSearch(): Promise<Figure> {
  const drifts = 8,
    samples = 1 << 20;
  const input = SignalSearchInput.parse({
    signal: { seed: 7, sampleCount: samples, noise: 1, tones: [] },
    fftSize: 1024,
    driftRates: Array.from({ length: drifts }, (_, d) => (d - drifts / 2) * 1e-7),
    threshold: 12,
    maxPeaks: 256,
  });
  const wasm = await loadSignalSearchWasm();
  const signal = generateSignal(input.signal);
  const run = native('signal-search', 2);
  let out = { peaks: [] as unknown[], amplitudeSums: [] as number[] };
  const nativeRun = () => {
    const { timing, answers } = run([7, samples, 1024, drifts, 12]);
    const [peaks, amplitude] = answers;
    const ours = out.amplitudeSums.reduce((x, y) => x + y, 0);
    check(
      'signal-search',
      out.peaks.length === peaks && out.peaks.length < 256 && Math.abs(ours - amplitude!) < 1e-9 * ours,
      `${out.peaks.length} vs ${peaks} peaks, amplitude ${ours} vs ${amplitude}`,
    );
    return timing;
  };
  const wasmTimed = () => timed(2, () => (out = wasm.search(signal, input, quiet)));
  return alternate((samples * drifts) / 1e6, 'Msamples/s (per trial drift)', wasmTimed, nativeRun);
}

async function collatz(): Promise<Figure> {
  const input = { start: 1e12, count: 1 << 21 };
  const wasm = await loadCollatzWasm();
  const run = native('collatz', 1);
  let out = { maxSteps: 0, argMax: 0, totalSteps: 0, digest: 0 };
  const nativeRun = () => {
    const { timing, answers } = run([input.start, input.count]);
    const [maxSteps, argMax, total, digest, overflowed] = answers;
    check(
      'collatz',
      overflowed === 0 &&
        out.maxSteps === maxSteps &&
        out.argMax === argMax &&
        out.totalSteps === total &&
        out.digest === digest,
      `${JSON.stringify(out)} vs ${answers.join(' ')}`,
    );
    return timing;
  };
  const wasmTimed = () => timed(1, () => (out = wasm.run(input, quiet)));
  return alternate(input.count / 1e6, 'Mstarts/s', wasmTimed, nativeRun);
}

const before = machine();
console.log(`${describeMachine(before)}; ${ROUNDS} alternating pairs per kernel, best of each on the CPU clock`);
const kernels: Record<string, Figure> = {};
for (const [name, run] of [
  ['signal-search', signalSearch],
  ['matmul', matmul],
  ['collatz', collatz],
] as const) {
  kernels[name] = await run();
  const f = kernels[name]!;
  console.log(
    `${name}: wasm ${f.wasm} ${f.unit}, native ${f.native}, ratio ${f.ratio} ` +
      `(pairs ${f.pairRatios.join('–')}; wall clock ${f.wallRatio})`,
  );
}
const webgpu = process.env['BENCH_WEBGPU'] === '0' ? undefined : await webgpuFigures();
const after = machine();
console.log(`load average after: ${after.load.join(' ')}`);
console.log(JSON.stringify({ machine: { ...before, loadAfter: after.load }, clock: 'CPU time', kernels, webgpu }));
