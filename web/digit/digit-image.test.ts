import { describe, expect, test } from 'vitest';
import { toMnist } from './digit-image.ts';

/** A drawing with a filled rectangle of ink. */
function drawing(width: number, height: number, [y0, x0, y1, x1]: [number, number, number, number]) {
  const ink = new Float32Array(width * height);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) ink[y * width + x] = 1;
  return ink;
}

const bounds = (d: Float32Array) => {
  const on = [...d.keys()].filter((i) => d[i]! > 0);
  const ys = on.map((i) => Math.floor(i / 28));
  const xs = on.map((i) => i % 28);
  return { top: Math.min(...ys), bottom: Math.max(...ys), left: Math.min(...xs), right: Math.max(...xs) };
};

describe('toMnist', () => {
  test('default: the ink is scaled to a 20-pixel box and centred by its mass', () => {
    // A tall stroke in the drawing's top-left corner: 200 high, 50 wide, of a 280×280 canvas.
    const digit = toMnist(drawing(280, 280, [0, 0, 199, 49]), 280, 280);
    const b = bounds(digit);
    expect(b.bottom - b.top + 1).toBe(20);
    expect(b.right - b.left + 1).toBe(5);
    // Centred to the pixel: an odd width (5) cannot sit exactly on the field's centre line.
    expect((b.top + b.bottom + 1) / 2).toBe(14);
    expect(Math.abs((b.left + b.right + 1) / 2 - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...digit)).toBe(1);
  });

  test('behavior: nothing drawn gives an empty field', () => {
    expect(toMnist(new Float32Array(100), 10, 10).every((x) => x === 0)).toBe(true);
  });
});
