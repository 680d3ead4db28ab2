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

/** A 4-bit result's codes times `factor`, clamped and sent as 8-bit codes: a larger step smuggled in wider codes. */
export function widenedCodes(codes: string, size: number, factor: number): string {
  const decoded = decodeCodes(codes, size);
  if (decoded?.bits !== 4) throw new Error(`not 4-bit codes of a model of ${size} parameters`);
  return encodeCodes(
    decoded.codes.map((c) => Math.max(-127, Math.min(127, c * factor))),
    8,
  );
}
