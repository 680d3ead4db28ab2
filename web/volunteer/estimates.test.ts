import { describe, expect, test } from 'vitest';
import { bufferSeconds, creditPerDay, deviceFlops } from './estimates.ts';

describe('estimates', () => {
  test('default: a device at 1 GFLOPS earns 200 credit a day', () => {
    expect(creditPerDay(1e9)).toBe(200);
  });
  test('behavior: workers and the CPU limit scale the per-worker speed', () => {
    expect(deviceFlops(2e9, 4, 50)).toBe(4e9);
  });
  test('behavior: the buffer lasts its units at the device rate; unknown before a unit was seen', () => {
    expect(bufferSeconds(100, 6e9, 1e9)).toBe(600);
    expect(bufferSeconds(100, null, 1e9)).toBeNull();
    expect(bufferSeconds(100, 6e9, 0)).toBeNull();
  });
});
