/**
 * @module worker-kernels/tolerance
 * The relative tolerance the fuzzy comparators share. Measured against the smaller of the two values, so that it is
 * symmetric and a side that claims more never widens it: what one result claims cannot loosen the test of the other.
 */

/** |x − y| ≤ tolerance × min(|x|, |y|): true for equal values, zeros included. */
export function relativelyNear(x: number, y: number, tolerance: number): boolean {
  return Math.abs(x - y) <= tolerance * Math.min(Math.abs(x), Math.abs(y));
}

/** The relative difference that relativelyNear bounds (0 for equal values, Infinity against a zero). */
export function relativeDifference(x: number, y: number): number {
  const difference = Math.abs(x - y);
  return difference === 0 ? 0 : difference / Math.min(Math.abs(x), Math.abs(y));
}
