/**
 * @module server/testing/tiny-units
 * Small signal-search units for tests: real work, a few milliseconds each, drawn from the test's seeded stream
 * (call it inside a test or its hooks).
 */
import { testRandom } from '../../worker-kernels/testing/vitest-random.ts';
import { makeDemoUnit } from '../demo/signal-search-feeder.ts';
import type { NewWorkUnit } from '../store/types.ts';

export function tinyUnits(count: number, limits: Partial<NewWorkUnit> = {}): NewWorkUnit[] {
  const random = testRandom();
  return Array.from({ length: count }, () => ({ ...makeDemoUnit('tiny', random.next), ...limits }));
}
