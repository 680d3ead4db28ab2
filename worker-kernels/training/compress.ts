/**
 * @module worker-kernels/training/compress
 * The pseudo-gradient's compression: int8 per block of `block` entries, each block scaled by its largest magnitude
 * over 127, each entry rounded stochastically (down or up with the probabilities that make it unbiased) from a
 * seeded stream. Unbiased rounding needs no error-feedback memory on the volunteer, so a unit stays a pure function
 * of its input and a replica recomputes the same bytes; averaging over volunteers and rounds shrinks its noise.
 * Upload per round: P bytes + 4·P/block, about 1/(4·H) of sending f32 gradients after each of the H steps.
 */
import { mulberry32 } from '../random.ts';

export interface Compressed {
  readonly codes: Int8Array;
  readonly scales: Float32Array;
}

export function compress(delta: Float32Array, block: number, seed: number): Compressed {
  const codes = new Int8Array(delta.length);
  const scales = new Float32Array(Math.ceil(delta.length / block));
  const draw = mulberry32(seed);
  for (let b = 0; b < scales.length; b++) {
    const end = Math.min(delta.length, (b + 1) * block);
    let top = 0;
    for (let i = b * block; i < end; i++) top = Math.max(top, Math.abs(delta[i]!));
    const scale = Math.fround(top / 127);
    scales[b] = scale;
    if (scale === 0) continue;
    for (let i = b * block; i < end; i++) {
      const q = Math.floor(delta[i]! / scale + draw());
      codes[i] = Math.max(-127, Math.min(127, q));
    }
  }
  return { codes, scales };
}

export function decompress({ codes, scales }: Compressed, block: number): Float32Array {
  const out = new Float32Array(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i]! * scales[Math.floor(i / block)]!;
  return out;
}

/** FNV-1a 64 over the bytes of each array in turn, as 16 hex digits (with 32-bit halves: no BigInt in the loop). */
export function fnv1a64(...arrays: ArrayBufferView[]): string {
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) {
      lo = (lo ^ bytes[i]!) >>> 0;
      // × 0x100000001b3 = × 0x1b3 + × 2^40, modulo 2^64.
      const low = lo * 0x1b3;
      const carry = Math.floor(low / 0x1_0000_0000);
      hi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) >>> 0;
      lo = low >>> 0;
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
