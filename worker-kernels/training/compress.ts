/**
 * @module worker-kernels/training/compress
 * The pseudo-gradient's compression: per block of `block` entries, each block scaled by its largest magnitude over
 * the codes' limit (127 for 8-bit codes, 7 for 4-bit ones), each entry rounded stochastically (down or up with the
 * probabilities that make it unbiased) from a seeded stream. Unbiased rounding needs no error-feedback memory on the
 * volunteer, so a unit stays a pure function of its input and a replica recomputes the same bytes; averaging over
 * volunteers and rounds shrinks its noise. Upload per round: P·bits/8 bytes + 4·P/block, about bits/(32·H) of
 * sending f32 gradients after each of the H steps (docs/training.md, "Compression").
 */
import { base64ToBytes, bytesToBase64, decodeF32, encodeI8 } from './codec.ts';
import { mulberry32 } from '../random.ts';

/** Bits a code takes on the wire: 8 (a byte each, in [−127, 127]) or 4 (two a byte, in [−7, 7]). */
export type CodeBits = 4 | 8;

/** The largest magnitude a code of `bits` holds: symmetric, so a block's scale maps ±top to ±limit exactly. */
export const codeLimit = (bits: CodeBits): number => (bits === 4 ? 7 : 127);

export interface Compressed {
  readonly codes: Int8Array;
  readonly scales: Float32Array;
}

export function compress(delta: Float32Array, block: number, seed: number, bits: CodeBits = 8): Compressed {
  const limit = codeLimit(bits);
  const codes = new Int8Array(delta.length);
  const scales = new Float32Array(Math.ceil(delta.length / block));
  const draw = mulberry32(seed);
  for (let b = 0; b < scales.length; b++) {
    const end = Math.min(delta.length, (b + 1) * block);
    let top = 0;
    for (let i = b * block; i < end; i++) top = Math.max(top, Math.abs(delta[i]!));
    const scale = Math.fround(top / limit);
    scales[b] = scale;
    if (scale === 0) continue;
    for (let i = b * block; i < end; i++) {
      const q = Math.floor(delta[i]! / scale + draw());
      codes[i] = Math.max(-limit, Math.min(limit, q));
    }
  }
  return { codes, scales };
}

/**
 * The codes as the wire carries them, base64: a byte each, or for 4-bit codes two a byte (entry 2k in the low
 * nibble, 2k + 1 in the high one, each in two's complement; an odd count leaves the last high nibble 0).
 */
export function encodeCodes(codes: Int8Array, bits: CodeBits): string {
  if (bits === 8) return encodeI8(codes);
  const packed = new Uint8Array(Math.ceil(codes.length / 2));
  for (let i = 0; i < codes.length; i++) packed[i >> 1]! |= (codes[i]! & 0xf) << ((i & 1) * 4);
  return bytesToBase64(packed);
}

/**
 * The `count` codes of a result, with the bits they were sent in, told apart by their length (a byte each, or half
 * as many bytes), or undefined where the length is neither or an odd count's padding nibble is not 0. A code the
 * quantiser never writes (−128, or −8 in 4 bits) is for checkTraining (sanity.ts) to refuse; here it decodes as read.
 */
export function decodeCodes(text: string, count: number): { codes: Int8Array; bits: CodeBits } | undefined {
  const bytes = base64ToBytes(text);
  if (bytes.length === count) return { codes: new Int8Array(bytes.buffer, 0, count), bits: 8 };
  if (bytes.length !== Math.ceil(count / 2) || (count % 2 === 1 && bytes[bytes.length - 1]! >> 4 !== 0))
    return undefined;
  const codes = new Int8Array(count);
  for (let i = 0; i < count; i++) codes[i] = (((bytes[i >> 1]! >> ((i & 1) * 4)) & 0xf) << 28) >> 28;
  return { codes, bits: 4 };
}

/**
 * A result's Δ dequantised, or undefined where its codes and scales do not fit `size` parameters in blocks of
 * `block` (nor, where given, codes of `bits`).
 */
export function dequantise(
  output: { readonly codes: string; readonly scales: string },
  size: number,
  block: number,
  bits?: CodeBits,
): Float32Array | undefined {
  const decoded = decodeCodes(output.codes, size);
  const scales = decodeF32(output.scales);
  if (!decoded || (bits !== undefined && decoded.bits !== bits)) return undefined;
  if (scales?.length !== Math.ceil(size / block)) return undefined;
  return decompress({ codes: decoded.codes, scales }, block);
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
