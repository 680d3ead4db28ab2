/**
 * @module worker-kernels/testing/vitest-random
 * Random test inputs in vitest: `testRandom()` inside a test (or its hooks) gives a seeded stream of its own; the
 * setup below, loaded for every test file (vitest.config.ts), prints the seed when a test that drew from it fails.
 * @example const random = testRandom(); const seed = random.u32();
 * @example test.concurrent('…', ({ expect }) => { const random = testRandom(expect); }) // the test's own expect
 */
import { beforeEach, expect } from 'vitest';
import type { Random } from '../random.ts';
import { randomFor, seedNotice, seedUsed } from './test-random.ts';

export function testRandom(local: Pick<typeof expect, 'getState'> = expect): Random {
  return randomFor(local.getState().currentTestName ?? '(outside any test)');
}

/** Registers the notice for every test of the file that loads this module as a setup file. */
export function printSeedOnFailure(): void {
  beforeEach(({ onTestFailed }) => {
    onTestFailed(() => {
      if (seedUsed()) console.error(seedNotice());
    });
  });
}
