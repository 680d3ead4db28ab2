/**
 * @module web/lib/unit-name
 * How the pages name a unit to the volunteer: by what it is (its app and size), since a host is given no number of
 * its unit, and the token of its replica means nothing to a person (issue 17).
 */
import { formatFlops } from './format.ts';

/**
 * @example
 * unitName({ app: 'signal-search', customApp: null, flopsEstimate: 2.1e9 }) // 'signal-search unit of 2.1 GFLOP'
 */
export function unitName(unit: { app: string; customApp: string | null; flopsEstimate: number }): string {
  return `${unit.customApp ?? unit.app} unit of ${formatFlops(unit.flopsEstimate, 'FLOP')}`;
}
