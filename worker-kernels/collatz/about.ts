/**
 * @module worker-kernels/collatz/about
 * The collatz app as volunteers and researchers read about it, with one example unit.
 */
import type { AppInput } from '../../protocol/apps.ts';

export const collatzAbout = {
  title: 'Collatz search',
  description:
    'An exact search in number theory. Each work unit is a range of whole numbers: your device follows every one ' +
    'of them through the 3n + 1 rule until it reaches 1, and reports the longest path in the range.',
  example: { app: 'collatz', input: { start: 1_000_001, count: 100_000 } } satisfies AppInput,
};
