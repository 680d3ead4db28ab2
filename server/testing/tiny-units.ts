/**
 * @module server/testing/tiny-units
 * Small signal-search units for tests: real work, a few milliseconds each.
 */
import { makeDemoUnit } from '../demo/signal-search-feeder.ts';
import type { NewWorkUnit } from '../store/types.ts';

export function tinyUnits(count: number, limits: Partial<NewWorkUnit> = {}): NewWorkUnit[] {
  return Array.from({ length: count }, () => ({ ...makeDemoUnit('tiny'), ...limits }));
}
