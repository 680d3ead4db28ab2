/**
 * @module worker-kernels/training/dataset
 * The training app's data: the `mnist` package's 10,000 digits as bytes (pack-mnist.ts), shuffled by a fixed seed
 * and split into 8,000 to train on and 2,000 held out, identically on every host (the unit names training digits by
 * index). Kernels read a pixel byte p as the f32 p/255, so every variant starts from the same bits.
 */
import { KernelError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
import { binaryBytes } from '../wasm-loader.ts';
import { PIXELS } from './model.ts';

export const TRAIN_SIZE = 8000;
export const HELD_OUT_SIZE = 2000;
/** The split's seed: changing it changes every job's data. */
const SPLIT_SEED = 20;

export interface Digits {
  /** count × 784 bytes, 0..255. */
  readonly pixels: Uint8Array;
  readonly labels: Uint8Array;
  readonly count: number;
}

export interface MnistSplit {
  readonly train: Digits;
  readonly heldOut: Digits;
}

let cached: Promise<MnistSplit> | undefined;
let loaded: MnistSplit | undefined;

/**
 * The split, loaded once per process or worker from build/mnist.bin (pack-mnist.ts, built by `npm run build:wasm`):
 * fetched in the browser, read from disk in Node, as the kernels' WebAssembly is. Nothing loads it until a training
 * unit or test asks: the coordinator and the other apps' workers never do.
 */
export function loadMnist(): Promise<MnistSplit> {
  cached ??= binaryBytes(new URL('./build/mnist.bin', import.meta.url)).then((bytes) => {
    loaded = splitDigits(new Uint8Array(bytes));
    return loaded;
  });
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}

/** The split where loadMnist has resolved: for the synchronous reference (app.ts's reference is synchronous). */
export function loadedMnist(): MnistSplit {
  if (!loaded) throw new KernelError('the MNIST digits are not loaded: await loadMnist() before the reference runs');
  return loaded;
}

/** The packed file: `count` labels, then `count` × 784 pixel bytes. */
function splitDigits(packed: Uint8Array): MnistSplit {
  const count = packed.length / (1 + PIXELS);
  if (!Number.isInteger(count) || count < TRAIN_SIZE + HELD_OUT_SIZE) {
    throw new KernelError(`mnist.bin holds ${packed.length} bytes, not 10,000 digits (run \`npm run build:wasm\`)`);
  }
  const order = Array.from({ length: count }, (_, i) => i);
  const draw = mulberry32(SPLIT_SEED);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const take = (from: number, size: number): Digits => {
    const pixels = new Uint8Array(size * PIXELS);
    const labels = new Uint8Array(size);
    for (let s = 0; s < size; s++) {
      const n = order[from + s]!;
      labels[s] = packed[n]!;
      pixels.set(packed.subarray(count + n * PIXELS, count + (n + 1) * PIXELS), s * PIXELS);
    }
    return { pixels, labels, count: size };
  };
  return { train: take(0, TRAIN_SIZE), heldOut: take(TRAIN_SIZE, HELD_OUT_SIZE) };
}

/** The kernels' view of a set of digits: f32 p/255 per pixel. */
export function pixelFloats(digits: Digits): Float32Array {
  const out = new Float32Array(digits.pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = digits.pixels[i]! / 255;
  return out;
}
