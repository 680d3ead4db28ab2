import { describe, expect, test } from 'vitest';
import { formatCop, isHexAddress } from './cop.ts';

describe('formatCop', () => {
  test('default: whole and fractional COP from wei, without a float', () => {
    expect(formatCop('1500000000000000000')).toBe('1.5');
    expect(formatCop('0')).toBe('0');
    expect(formatCop('1')).toBe('0');
    expect(formatCop('1000000000000')).toBe('0.000001');
    expect(formatCop('123456789012345678901234567')).toBe('123,456,789.012345');
  });
  test('error: not an amount', () => {
    expect(() => formatCop('-1')).toThrow(/not an amount/);
    expect(() => formatCop('1e18')).toThrow(/not an amount/);
  });
  test('behavior: addresses', () => {
    expect(isHexAddress('0x00000000000000000000000000000000000000a1')).toBe(true);
    expect(isHexAddress('0x123')).toBe(false);
    expect(isHexAddress('00000000000000000000000000000000000000a1')).toBe(false);
  });
});
