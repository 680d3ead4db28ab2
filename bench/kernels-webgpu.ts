/**
 * @module bench/kernels-webgpu
 * The WGSL half of bench:kernels: in Chromium (Debian's, with --enable-unsafe-webgpu, as the e2e specs run it), each
 * WGSL kernel's GFLOP/s, counted by its app's FLOP estimate (the credit's count), and its share of the device's
 * peak. WebGPU gives no peak FLOP rate (GPUAdapterInfo names the vendor, architecture and device, nothing more), so
 * the peak is measured, as clpeak does, by a shader of independent multiply-adds (kernels-webgpu/peak.wgsl), and a
 * datasheet's figure given as BENCH_GPU_PEAK_GFLOPS is used beside it. Matmul is timed twice: its dispatches alone
 * (the kernel against the peak: the goal is half of it) and whole units as the worker runs them, upload and readback
 * included; signal search as whole units. A fallback adapter (SwiftShader: the GPU emulated on the CPU) gets small
 * units, a hardware one the protocol's largest matmul. Every output is checked against the CPU's.
 */
import { chromium } from '@playwright/test';
import { bundleScript, serveScript } from '../e2e/support/test-page.ts';
import { AppInput } from '../protocol/apps.ts';
import { loadMatmulWasm } from '../worker-kernels/matmul/wasm.ts';
import { generateMatrices } from '../worker-kernels/matmul/matrices.ts';
import { appOf, estimateFlops } from '../worker-kernels/registry.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';

type Bench = Window['bench'];
type Adapter = Awaited<ReturnType<Bench['adapter']>>;
/** Calls one of the page's functions (page.ts) in Chromium. */
type Call = <K extends keyof Bench>(name: K, ...args: Parameters<Bench[K]>) => Promise<Awaited<ReturnType<Bench[K]>>>;

export interface WebGpuFigures {
  adapter: Adapter;
  /** GFLOP/s: measured by peak.wgsl; nominal where BENCH_GPU_PEAK_GFLOPS gave one. */
  peak: { measured: number; nominal?: number };
  kernels: Record<string, { work: string; gflops: number; kernelGflops?: number; shareOfPeak: number }>;
}

const quiet = { progress() {}, checkpoint() {} };
const round = (x: number, digits = 3) => Number(x.toPrecision(digits));

function agree(job: AppInput, actual: unknown, expected: unknown): void {
  const verdict = appOf(job.app).compare(job.input, actual, expected);
  if (verdict !== 'match') throw new Error(`bench:kernels: webgpu ${job.app} disagrees with the CPU (${verdict})`);
}

/** Units sized for the adapter: an emulated GPU runs a 256³ product in about a fifth of a second. */
function jobs(fallback: boolean) {
  const size = fallback ? 256 : 2048;
  const samples = fallback ? 1 << 16 : 1 << 20;
  const drifts = fallback ? 4 : 8;
  return {
    size,
    matmul: AppInput.parse({ app: 'matmul', input: { seed: 1, m: size, k: size, n: size } }),
    signalSearch: AppInput.parse({
      app: 'signal-search',
      input: {
        signal: { seed: 7, sampleCount: samples, noise: 1, tones: [] },
        fftSize: 1024,
        driftRates: Array.from({ length: drifts }, (_, d) => d * 1e-7),
        threshold: 12,
        maxPeaks: 256,
      },
    }),
    work: { matmul: `${size}³`, signalSearch: `2^${Math.log2(samples)} samples × ${drifts} drifts, FFT 1024` },
  };
}

async function measure(call: Call, nominal?: number): Promise<WebGpuFigures> {
  const adapter = await call('adapter');
  const units = jobs(adapter.isFallback);
  const [workgroups, iterations] = adapter.isFallback ? [256, 256] : [16_384, 1024];
  const peakRun = await call('peak', workgroups, iterations);
  const measured = peakRun.flops / peakRun.ms / 1e6;
  const share = (gflops: number) => round(gflops / measured);

  const kernel = await call('matmulKernel', units.size);
  const matmulInput = units.matmul.input as { seed: number; m: number; k: number; n: number };
  const cpu = { rowAbsSums: (await loadMatmulWasm('relaxed')).multiply(generateMatrices(matmulInput), matmulInput) };
  agree(units.matmul, { rowAbsSums: kernel.rowAbsSums }, cpu.rowAbsSums);
  const kernelGflops = (2 * units.size ** 3) / kernel.ms / 1e6;
  const matmulUnit = await call('unit', units.matmul);
  agree(units.matmul, matmulUnit.output, cpu.rowAbsSums);
  const signalUnit = await call('unit', units.signalSearch);
  agree(units.signalSearch, signalUnit.output, appOf('signal-search').reference!(units.signalSearch.input, quiet));
  const gflops = (job: AppInput, ms: number) => estimateFlops(job) / ms / 1e6;
  const matmulGflops = gflops(units.matmul, matmulUnit.ms);
  const signalGflops = gflops(units.signalSearch, signalUnit.ms);
  return {
    adapter,
    peak: { measured: round(measured), ...(nominal && { nominal }) },
    kernels: {
      matmul: {
        work: units.work.matmul,
        gflops: round(matmulGflops),
        kernelGflops: round(kernelGflops),
        shareOfPeak: share(kernelGflops),
      },
      'signal-search': { work: units.work.signalSearch, gflops: round(signalGflops), shareOfPeak: share(signalGflops) },
    },
  };
}

function print(f: WebGpuFigures): void {
  const { vendor, architecture, description, isFallback } = f.adapter;
  const kind = isFallback ? 'a fallback adapter (emulated on the CPU)' : 'a hardware adapter';
  console.log(`webgpu adapter: ${[vendor, architecture, description].filter(Boolean).join(' / ')}, ${kind}`);
  const nominal = f.peak.nominal ? `, nominal ${f.peak.nominal} (BENCH_GPU_PEAK_GFLOPS)` : '';
  console.log(`webgpu peak: not reported by WebGPU; measured ${f.peak.measured} GFLOP/s (peak.wgsl)${nominal}`);
  for (const [name, k] of Object.entries(f.kernels)) {
    const alone = k.kernelGflops === undefined ? '' : `dispatches alone ${k.kernelGflops} GFLOP/s, `;
    const ofNominal = f.peak.nominal ? `, ${round((k.kernelGflops ?? k.gflops) / f.peak.nominal)} of nominal` : '';
    console.log(
      `webgpu ${name} ${k.work}: ${alone}whole units ${k.gflops} GFLOP/s; ` +
        `${k.shareOfPeak} of measured peak${ofNominal}`,
    );
  }
}

/** Opens the bench page in Chromium and measures; Chromium is closed whatever happens. */
export async function webgpuFigures(): Promise<WebGpuFigures> {
  const code = await bundleScript(new URL('./kernels-webgpu/page.ts', import.meta.url));
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  try {
    const page = await browser.newPage();
    // 127.0.0.1 is a secure context, which WebGPU needs; nothing listens there: the route answers.
    await serveScript(page, 'http://127.0.0.1/__bench/**', code);
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto('http://127.0.0.1/__bench/index.html');
    await page
      .waitForFunction(() => document.title === 'bench ready', undefined, { timeout: 60_000 })
      .catch(() => {
        throw new Error(`bench:kernels: the WebGPU page did not start: ${errors.join('; ')}`);
      });
    const call: Call = (name, ...args) =>
      page.evaluate(({ name, args }) => (window.bench[name] as (...a: unknown[]) => unknown)(...args), {
        name,
        args,
      }) as never;
    const figures = await measure(call, Number(process.env['BENCH_GPU_PEAK_GFLOPS']) || undefined);
    print(figures);
    return figures;
  } finally {
    await browser.close();
  }
}
