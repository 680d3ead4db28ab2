/**
 * @module worker-kernels/custom/example/example-app
 * The documented example app (docs/apps.md: count the primes in [from, to), report the count and the largest) as
 * the tests, specs and benchmarks of researchers' apps use it: built from its source with AssemblyScript as a
 * researcher would, its manifest, its input and output bytes, and the truth to hold its results against. Node only.
 */
import asc from 'assemblyscript/asc';
import { readFileSync } from 'node:fs';

/** Compiles AssemblyScript for the custom app ABI with the options docs/apps.md gives. */
export async function compileAssemblyScript(source: string): Promise<Uint8Array> {
  const { binary, error, stderr } = await asc.compileString(source, {
    optimizeLevel: 3,
    runtime: 'stub',
    importMemory: true,
    exportStart: '_initialize',
  });
  if (error || !binary) throw new Error(`asc: ${error?.message}\n${stderr.toString()}`);
  return binary;
}

export const EXAMPLE_SOURCE = new URL('./assembly/index.ts', import.meta.url);

/** The example app's module, compiled from its source in the repository. */
export const compileExample = () => compileAssemblyScript(readFileSync(EXAMPLE_SOURCE, 'utf8'));

/** Its manifest, less the time limit each caller sets. */
export const EXAMPLE_MANIFEST = {
  name: 'prime-count',
  version: 1,
  description: 'Counts the prime numbers in a range of whole numbers, one range per work unit.',
  imports: ['terraflop.progress', 'terraflop.checkpoint', 'env.abort', 'env.memory'],
  maxMemoryPages: 64,
};

/** Its WGSL version (prime-count.wgsl) as a manifest describes it (docs/apps.md). */
export const EXAMPLE_WGSL = {
  source: readFileSync(new URL('./prime-count.wgsl', import.meta.url), 'utf8'),
  entryPoint: 'main',
  workgroups: [256, 1, 1],
  bindings: [
    { binding: 0, role: 'input', type: 'storage-read', bytes: 8 },
    { binding: 1, role: 'output', type: 'storage-read-write', bytes: 8 },
  ],
};

/** A unit's input: the range [from, to) as two little-endian u32. */
export const primeRange = (from: number, to: number) => new Uint8Array(new Uint32Array([from, to]).buffer);

/** An output's u32 words: [count, largest]. */
export const words = (out: Uint8Array) => Array.from(new Uint32Array(out.slice().buffer));

/** The truth, by a sieve: [count of primes in [from, to), largest]. */
export function primesBySieve(from: number, to: number): [number, number] {
  // Segmented: the primes up to √to strike out their multiples in [from, to) only, so a range near 2^32 is cheap.
  const root = Math.floor(Math.sqrt(to));
  const small = new Uint8Array(root + 1);
  const composite = new Uint8Array(Math.max(0, to - from));
  for (let p = 2; p <= root; p++) {
    if (small[p]) continue;
    for (let m = p * p; m <= root; m += p) small[m] = 1;
    for (let m = Math.max(p * p, Math.ceil(from / p) * p); m < to; m += p) composite[m - from] = 1;
  }
  let count = 0,
    largest = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    if (!composite[n - from]) {
      count++;
      largest = n;
    }
  }
  return [count, largest];
}
