/**
 * @module bench/kernels
 * `npm run bench:kernels`: throughput of each kernel's WebAssembly variant in Node against a native C build of the
 * same algorithm (bench/<app>.c, gcc -O3 -march=native, built here), and their ratio (goal: ≥ 0.7). Each figure is
 * the best of several runs; both sides time the same work (input generation excluded) and their answers are
 * cross-checked. The last line is one JSON object: {"kernels":{"<app>":{"wasm","native","ratio","unit"}}}.
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

const quiet = { progress() {}, checkpoint() {} };
const REPS = 5;
const here = fileURLToPath(new URL('.', import.meta.url));
const binDir = join(tmpdir(), 'terraflop-bench');

function native(app: string, args: (string | number)[]): string[] {
  mkdirSync(binDir, { recursive: true });
  const bin = join(binDir, app);
  execFileSync('gcc', ['-O3', '-march=native', '-o', bin, join(here, `${app}.c`), '-lm']);
  return execFileSync(bin, args.map(String), { encoding: 'utf8' }).trim().split(/\s+/);
}

function best(run: () => void): number {
  let fastest = Infinity;
  for (let r = 0; r < REPS; r++) {
    const started = performance.now();
    run();
    fastest = Math.min(fastest, (performance.now() - started) / 1000);
  }
  return fastest;
}

function check(app: string, ok: boolean, detail: string): void {
  if (!ok) throw new Error(`bench:kernels: ${app}: WASM and native disagree (${detail})`);
}

interface Figure {
  wasm: number;
  native: number;
  ratio: number;
  unit: string;
}
const figure = (wasm: number, nativeRate: number, unit: string): Figure => ({
  wasm: Number(wasm.toPrecision(4)),
  native: Number(nativeRate.toPrecision(4)),
  ratio: Number((wasm / nativeRate).toFixed(3)),
  unit,
});

async function matmul(): Promise<Figure> {
  const input = { seed: 1, m: 512, k: 512, n: 512 };
  const wasm = await loadMatmulWasm('relaxed');
  const matrices = generateMatrices(input);
  let sum = 0;
  const seconds = best(() => (sum = wasm.multiply(matrices, input).rowAbsSums.reduce((x, y) => x + y, 0)));
  const [nativeSeconds, nativeSum] = native('matmul', [1, 512, 512, 512, REPS]).map(Number);
  check('matmul', Math.abs(sum - nativeSum!) <= 1e-4 * sum, `${sum} vs ${nativeSum}`);
  const gflop = (2 * 512 ** 3) / 1e9;
  return figure(gflop / seconds, gflop / nativeSeconds!, 'GFLOP/s');
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
  let out = { peaks: [] as unknown[], amplitudeSums: [] as number[] };
  const seconds = best(() => (out = wasm.search(signal, input, quiet)));
  const [nativeSeconds, nativePeaks, nativeAmplitude] = native('signal-search', [
    7,
    samples,
    1024,
    drifts,
    12,
    REPS,
  ]).map(Number);
  const amplitude = out.amplitudeSums.reduce((x, y) => x + y, 0);
  check(
    'signal-search',
    out.peaks.length === nativePeaks &&
      out.peaks.length < 256 &&
      Math.abs(amplitude - nativeAmplitude!) < 1e-9 * amplitude,
    `${out.peaks.length} vs ${nativePeaks} peaks, amplitude ${amplitude} vs ${nativeAmplitude}`,
  );
  const msamples = (samples * drifts) / 1e6;
  return figure(msamples / seconds, msamples / nativeSeconds!, 'Msamples/s (per trial drift)');
}

async function collatz(): Promise<Figure> {
  const input = { start: 1e12, count: 1 << 21 };
  const wasm = await loadCollatzWasm();
  let out = { maxSteps: 0, argMax: 0, totalSteps: 0, digest: 0 };
  const seconds = best(() => (out = wasm.run(input, quiet)));
  const [nativeSeconds, maxSteps, argMax, total, digest, overflowed] = native('collatz', [1e12, 1 << 21, REPS]).map(
    Number,
  );
  check(
    'collatz',
    overflowed === 0 &&
      out.maxSteps === maxSteps &&
      out.argMax === argMax &&
      out.totalSteps === total &&
      out.digest === digest,
    `${JSON.stringify(out)} vs ${maxSteps} ${argMax} ${total} ${digest}`,
  );
  const mstarts = input.count / 1e6;
  return figure(mstarts / seconds, mstarts / nativeSeconds!, 'Mstarts/s');
}

const kernels: Record<string, Figure> = {};
for (const [name, run] of [
  ['signal-search', signalSearch],
  ['matmul', matmul],
  ['collatz', collatz],
] as const) {
  kernels[name] = await run();
  const f = kernels[name]!;
  console.log(`${name}: wasm ${f.wasm} ${f.unit}, native ${f.native}, ratio ${f.ratio}`);
}
console.log(JSON.stringify({ kernels }));
