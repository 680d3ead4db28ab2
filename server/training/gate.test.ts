import { describe, expect, it } from 'vitest';
import { gatedStep, passesGate } from './gate.ts';

/** A state is a number; the step sums the updates (or averages them), the loss is the state's size. */
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);
const mean = (xs: readonly number[]) => sum(xs) / xs.length;
const round = (step: (xs: readonly number[]) => number) => ({ step, loss: (s: number) => Math.abs(s), gateLoss: 0.1 });

describe('gatedStep', () => {
  it('default: a round that passes is applied from all its updates', async () => {
    expect(await gatedStep([0.125, 0.25, 0.125], 0.5, round(sum))).toEqual({ state: 0.5, applied: 3 });
  });

  it('behavior: a round that fails is retried with the updates that pass alone', async () => {
    expect(await gatedStep([0.25, 0.25, 0.25, 5, 6], 0.5, round(mean))).toEqual({ state: 0.25, applied: 3 });
  });

  it('behavior: fewer than three updates passing alone are not applied on their own', async () => {
    expect(await gatedStep([0.2, 0.2, 5, 6], 0.5, round(mean))).toEqual({ state: undefined, applied: 0 });
  });

  it('behavior: the version repeats where the retry fails too, or where no update passes alone', async () => {
    expect(await gatedStep([0.3, 0.3, 0.3, 9], 0.5, round(sum))).toEqual({ state: undefined, applied: 0 });
    expect(await gatedStep([4, 5, 6], 0.5, round(mean))).toEqual({ state: undefined, applied: 0 });
  });

  it('behavior: every update passing alone but not together is no reason to retry the same round', async () => {
    expect(await gatedStep([0.2, 0.2, 0.2, 0.2], 0.5, round(sum))).toEqual({ state: undefined, applied: 0 });
  });
});

describe('passesGate', () => {
  it('default: at most gateLoss above; 0 lets every round through; NaN never passes', () => {
    expect(passesGate(1, 1.1, 0.1)).toBe(true);
    expect(passesGate(1, 1.2, 0.1)).toBe(false);
    expect(passesGate(1, 50, 0)).toBe(true);
    expect(passesGate(1, Number.NaN, 0.1)).toBe(false);
  });
});
