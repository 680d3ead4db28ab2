import { describe, expect, test } from 'vitest';
import { estimateCompletion } from './research-progress.ts';

describe('estimateCompletion', () => {
  test('default: the remaining units at the recent rate', () => {
    // 10 units validated in the last minute, 30 to go: three more minutes.
    expect(estimateCompletion(30, 10, 60_000, 1_000_000)).toBe(1_000_000 + 180_000);
  });
  test('behavior: nothing left is done now; nothing moving is unknown', () => {
    expect(estimateCompletion(0, 0, 60_000, 5)).toBe(5);
    expect(estimateCompletion(4, 0, 60_000, 5)).toBeNull();
    expect(estimateCompletion(4, 3, 0, 5)).toBeNull();
  });
});
