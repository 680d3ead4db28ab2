/**
 * The bench's attacks: each returns an update of the model's size, and each is what its paper describes.
 */
import { describe, expect, test } from 'vitest';
import { mulberry32 } from '../../worker-kernels/random.ts';
import { ATTACKS, attackUpdate } from './attacks.ts';

const honest = [Float32Array.of(1, 2, 3), Float32Array.of(3, 2, 1), Float32Array.of(2, 2, 2)];

describe('attacks', () => {
  test.each(ATTACKS.filter((a) => a !== 'label-flip' && a !== 'withhold'))(
    'default: %s returns a finite update of the same size',
    (a) => {
      const u = attackUpdate(a, honest, 10, 3, mulberry32(1))!;
      expect(u.length).toBe(3);
      expect(u.every(Number.isFinite)).toBe(true);
    },
  );

  test('behavior: withhold sends nothing', () => {
    expect(attackUpdate('withhold', honest, 10, 3, mulberry32(1))).toBeUndefined();
  });

  test('behavior: sign-flip, scaled and IPM point against the honest mean', () => {
    const draw = mulberry32(1);
    expect(Array.from(attackUpdate('sign-flip', honest, 10, 3, draw)!)).toEqual([-2, -2, -2]);
    expect(Array.from(attackUpdate('scaled', honest, 10, 3, draw)!)).toEqual([-40, -40, -40]);
    expect(Array.from(attackUpdate('ipm', honest, 10, 3, draw)!).map((x) => x.toFixed(3))).toEqual([
      '-0.200',
      '-0.200',
      '-0.200',
    ]);
  });

  test('behavior: ALIE stays within a standard deviation or two of the mean, below it', () => {
    const u = attackUpdate('alie', honest, 10, 3, mulberry32(1))!;
    // σ = (0.816, 0, 0.816); n = 10, f = 3: s = 3, z = Φ⁻¹(0.7) ≈ 0.524.
    expect(u[0]).toBeCloseTo(2 - 0.524 * Math.sqrt(2 / 3), 2);
    expect(u[1]).toBe(2);
  });

  describe('screen-edge', () => {
    // μ = (2, 2, 2); the screen passes an update whose last entry is at least 0, and the validation digits' descent
    // is (0, 0, 1): −μ bent by b·|μ| along it passes from b = 2/√12 ≈ 0.577.
    const descent = Float32Array.of(0, 0, 1);
    const edge = (passes: (u: Float32Array) => boolean) =>
      attackUpdate('screen-edge', honest, 10, 3, mulberry32(1), undefined, { descent, passes })!;

    test('behavior: bends −μ towards the descent only as far as the screen needs, within 1/32 of a grid step', () => {
      const u = edge((v) => v[2]! >= 0);
      expect([u[0], u[1]]).toEqual([-2, -2]);
      expect(u[2]).toBeGreaterThanOrEqual(0);
      expect(u[2]).toBeLessThan((0.5 / 32) * Math.sqrt(12));
    });

    test('behavior: sends −μ where the screen passes it, and where no bend passes (dropped as sign-flip)', () => {
      expect(Array.from(edge(() => true))).toEqual([-2, -2, -2]);
      expect(Array.from(edge(() => false))).toEqual([-2, -2, -2]);
    });
  });
});
