import { describe, expect, test } from 'vitest';
import { projectOrder } from './project-order.ts';
import { mulberry32 } from '../../worker-kernels/random.ts';

describe('project order', () => {
  test('default: every project of a higher priority comes before any of a lower one', () => {
    const random = mulberry32(1);
    for (let i = 0; i < 100; i++) {
      const order = projectOrder(
        [
          { id: 1, priority: 0, share: 1000 },
          { id: 2, priority: 5, share: 1 },
          { id: 3, priority: 5, share: 1 },
          { id: 4, priority: -1, share: 1 },
        ],
        random,
      );
      expect(order.slice(0, 2).sort()).toEqual([2, 3]);
      expect(order.slice(2)).toEqual([1, 4]);
    }
  });

  test('behavior: among equal priorities, each comes first in proportion to its resource share', () => {
    const random = mulberry32(2);
    const first = new Map<number, number>();
    const draws = 20_000;
    for (let i = 0; i < draws; i++) {
      const id = projectOrder(
        [
          { id: 1, priority: 0, share: 100 },
          { id: 2, priority: 0, share: 300 },
          { id: 3, priority: 0, share: 600 },
        ],
        random,
      )[0]!;
      first.set(id, (first.get(id) ?? 0) + 1);
    }
    expect(first.get(1)! / draws).toBeCloseTo(0.1, 1);
    expect(first.get(2)! / draws).toBeCloseTo(0.3, 1);
    expect(first.get(3)! / draws).toBeCloseTo(0.6, 1);
  });

  test('edge: a project with no share is tried only after the others; all zero keeps id order', () => {
    const random = mulberry32(3);
    for (let i = 0; i < 50; i++) {
      expect(
        projectOrder(
          [
            { id: 1, priority: 0, share: 0 },
            { id: 2, priority: 0, share: 5 },
          ],
          random,
        ),
      ).toEqual([2, 1]);
      expect(
        projectOrder(
          [
            { id: 1, priority: 0, share: 0 },
            { id: 2, priority: 0, share: 0 },
          ],
          random,
        ),
      ).toEqual([1, 2]);
    }
  });
});
