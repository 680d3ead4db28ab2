/**
 * @module worker-kernels/testing/training-results
 * Forged training results for the coordinator's tests: what a cheater that skips the work sends.
 */
import { decodeCodes, encodeCodes } from '../training/compress.ts';

/** A result's codes with every sign flipped (the sign-flip attack), in the bits they came in. */
export function signFlippedCodes(codes: string, size: number): string {
  const decoded = decodeCodes(codes, size);
  if (!decoded) throw new Error(`codes that fit no model of ${size} parameters`);
  return encodeCodes(
    decoded.codes.map((c) => -c),
    decoded.bits,
  );
}
