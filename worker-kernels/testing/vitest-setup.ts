/**
 * @module worker-kernels/testing/vitest-setup
 * Loaded before every vitest file (vitest.config.ts): a failing test that drew random inputs prints their seed.
 */
import { printSeedOnFailure } from './vitest-random.ts';

printSeedOnFailure();
