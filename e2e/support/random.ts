/**
 * @module e2e/support/random
 * Random test inputs in the Playwright specs, from the same seeded generator as vitest's
 * (worker-kernels/testing/test-random.ts): `specRandom()` inside a test gives a stream of its own, and a spec that
 * calls `printSeedOnFailure()` prints the seed after a failed test, to rerun it with TERRAFLOP_TEST_SEED.
 */
import { test } from '@playwright/test';
import type { Random } from '../../worker-kernels/random.ts';
import { randomFor, seedNotice, seedUsed } from '../../worker-kernels/testing/test-random.ts';

export function specRandom(): Random {
  return randomFor(test.info().titlePath.join(' > '));
}

export function printSeedOnFailure(): void {
  // biome-ignore lint/correctness/noEmptyPattern: Playwright reads the fixtures a hook asks for from this pattern.
  test.afterEach(({}, testInfo) => {
    if (testInfo.status !== testInfo.expectedStatus && seedUsed()) console.log(seedNotice());
  });
}
