/**
 * @module protocol/p256
 * Whether two coordinates are a point of the P-256 curve (y² = x³ − 3x + b over the prime field p), so a key that is
 * no key is refused at registration, naming the field, rather than failing each later request that tries to use it.
 * Plain BigInt arithmetic: the check runs once per registration, in the page or in Node alike.
 */

const P = 0xffffffff00000001000000000000000000000000ffffffffffffffffffffffffn;
const B = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

const toBigInt = (bytes: Uint8Array) => bytes.reduce((n, byte) => (n << 8n) | BigInt(byte), 0n);

/**
 * True when (x, y), as 32 big-endian bytes each, lie on P-256: both below p and y² = x³ − 3x + b (mod p). The point
 * at infinity has no affine coordinates, so it is never one.
 * @example onP256(x, y) // false for x = y = 0
 */
export function onP256(xBytes: Uint8Array, yBytes: Uint8Array): boolean {
  if (xBytes.length !== 32 || yBytes.length !== 32) return false;
  const x = toBigInt(xBytes),
    y = toBigInt(yBytes);
  if (x >= P || y >= P) return false;
  const right = (((x * x) % P) * x - 3n * x + B) % P;
  return (y * y - right) % P === 0n;
}
