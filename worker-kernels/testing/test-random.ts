/**
 * @module worker-kernels/testing/test-random
 * Where every random test input comes from: one base seed per test process (TERRAFLOP_TEST_SEED when set, else
 * fresh), split into a stream per test (by its name and the order of its calls), so a failing test can be rerun on
 * the same inputs with the seed it prints. Framework-neutral: vitest's binding is testing/vitest-random.ts, the
 * Playwright specs' is e2e/support/random.ts.
 */
import { deriveSeed, Random } from '../random.ts';

function parseSeed(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined;
  const seed = Number(text);
  if (!Number.isInteger(seed) || seed < 0 || seed > 0xffff_ffff) {
    throw new RangeError(`TERRAFLOP_TEST_SEED must be an integer in [0, 2^32), got ${JSON.stringify(text)}`);
  }
  return seed;
}

const freshSeed = () => crypto.getRandomValues(new Uint32Array(1))[0]!;

/** The base seed of this test process. */
export const TEST_SEED = parseSeed(globalThis.process?.env['TERRAFLOP_TEST_SEED']) ?? freshSeed();

const calls = new Map<string, number>();

/**
 * A fresh stream for the test named `scope`: its n-th call in that test draws the same numbers whenever the base
 * seed is the same.
 */
export function randomFor(scope: string): Random {
  const n = calls.get(scope) ?? 0;
  calls.set(scope, n + 1);
  return new Random(deriveSeed(TEST_SEED, `${scope}#${n}`));
}

/** Whether any stream was handed out, so there is a seed worth printing. */
export const seedUsed = () => calls.size > 0;

/** What a failing test prints. */
export const seedNotice = () =>
  `random test inputs came from TERRAFLOP_TEST_SEED=${TEST_SEED}: set it to rerun this test on the same inputs`;
