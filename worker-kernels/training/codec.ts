/**
 * @module worker-kernels/training/codec
 * Typed arrays to and from the base64 the training protocol carries (little-endian, as every WebAssembly and
 * WebGPU host is), with btoa/atob, which both the browser and Node have.
 */

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // fromCharCode takes its arguments on the stack: chunks keep a 1 MB array within its limits.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000) as unknown as number[]);
  }
  return btoa(binary);
}

export function base64ToBytes(text: string): Uint8Array {
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

const view = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

export const encodeF32 = (a: Float32Array) => bytesToBase64(view(a));
export const encodeI8 = (a: Int8Array) => bytesToBase64(view(a));
export const encodeU16 = (a: Uint16Array) => bytesToBase64(view(a));

/** Undefined where the byte count is not a whole number of elements. */
export function decodeF32(text: string): Float32Array | undefined {
  const bytes = base64ToBytes(text);
  return bytes.length % 4 === 0 ? new Float32Array(bytes.buffer, 0, bytes.length / 4) : undefined;
}

export function decodeU16(text: string): Uint16Array | undefined {
  const bytes = base64ToBytes(text);
  return bytes.length % 2 === 0 ? new Uint16Array(bytes.buffer, 0, bytes.length / 2) : undefined;
}

export const decodeI8 = (text: string) => new Int8Array(base64ToBytes(text).buffer);
