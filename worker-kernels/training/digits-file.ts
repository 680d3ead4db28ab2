/**
 * @module worker-kernels/training/digits-file
 * The MNIST digits as bytes: what a browser fetches instead of the `mnist` package, whose 20 MB of JavaScript took
 * Chromium 31 s to evaluate on a busy machine (long enough for the page to give a unit up as hung). The file is ten
 * little-endian u32 counts, one per class, then every digit's 784 pixels (0..255), class after class in the
 * package's order: 7.8 MB, 1.6 MB compressed. `npm run build` writes it (build-digits.ts) beside the WASM.
 */
import { CLASSES, PIXELS } from './model.ts';

/** Each class's digits as count × 784 bytes, in the package's order. */
export type DigitsByClass = readonly Uint8Array[];

/** The package's floats (whole multiples of 1/255 to three decimals) as bytes. */
export function packageDigits(mnist: readonly { length: number; raw: readonly number[] }[]): DigitsByClass {
  return mnist.slice(0, CLASSES).map(({ length, raw }) => {
    const bytes = new Uint8Array(length * PIXELS);
    for (let i = 0; i < bytes.length; i++) bytes[i] = Math.round(raw[i]! * 255);
    return bytes;
  });
}

export function encodeDigits(byClass: DigitsByClass): Uint8Array {
  const total = byClass.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(4 * CLASSES + total);
  const view = new DataView(out.buffer);
  let at = 4 * CLASSES;
  byClass.forEach((c, d) => {
    view.setUint32(4 * d, c.length / PIXELS, true);
    out.set(c, at);
    at += c.length;
  });
  return out;
}

export function decodeDigits(bytes: Uint8Array): DigitsByClass {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const byClass: Uint8Array[] = [];
  let at = 4 * CLASSES;
  for (let d = 0; d < CLASSES; d++) {
    const length = view.getUint32(4 * d, true) * PIXELS;
    if (at + length > bytes.length) throw new Error(`the digits file ends inside class ${d}`);
    byClass.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new Error(`the digits file has ${bytes.length - at} bytes after its last digit`);
  return byClass;
}
