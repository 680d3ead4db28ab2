/**
 * @module worker-kernels/build-wasm
 * Builds every kernel's WebAssembly from its AssemblyScript source (worker-kernels/<app>/assembly/index.ts →
 * worker-kernels/<app>/build/<app>.wasm), so no binary is kept without its source: `npm run build:wasm`, run by
 * `npm run build` and by the test script. SIMD is on; the stub runtime (a bump allocator) is all the kernels need.
 */
import asc from 'assemblyscript/asc';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { packMnist } from './training/pack-mnist.ts';

const root = fileURLToPath(new URL('.', import.meta.url));

/** Apps with an AssemblyScript source, by folder. */
export function wasmApps(): string[] {
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(`${root}${d.name}/assembly/index.ts`))
    .map((d) => d.name)
    .sort();
}

/**
 * Apps also built with relaxed SIMD (fused multiply-add) as <app>-relaxed.wasm; their drivers load it first and fall
 * back to <app>.wasm where the engine lacks relaxed SIMD (it is newer than SIMD).
 */
const RELAXED = new Set(['matmul']);

async function build(app: string, relaxed: boolean): Promise<void> {
  const { error, stderr } = await asc.main([
    `${root}${app}/assembly/index.ts`,
    '--outFile',
    `${root}${app}/build/${app}${relaxed ? '-relaxed' : ''}.wasm`,
    ...(relaxed ? ['--enable', 'relaxed-simd'] : []),
    '--optimizeLevel',
    '3',
    '--shrinkLevel',
    '0',
    '--converge',
    '--noAssert',
    '--runtime',
    'stub',
    '--enable',
    'simd',
    // 16 MiB to start; a kernel may grow to 1 GiB (16384 pages of 64 KiB), the cap the drivers rely on.
    '--initialMemory',
    '256',
    '--maximumMemory',
    '16384',
  ]);
  if (error) throw new Error(`build-wasm: ${app}: ${error.message}\n${stderr.toString()}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const apps = wasmApps();
  const built: string[] = [];
  for (const app of apps) {
    await build(app, false);
    built.push(`${app}.wasm`);
    if (RELAXED.has(app)) {
      await build(app, true);
      built.push(`${app}-relaxed.wasm`);
    }
  }
  // The training app's digits, as a binary beside its WebAssembly (training/pack-mnist.ts says why).
  built.push(packMnist());
  console.log(`build-wasm: built ${built.join(', ')}`);
}
