import { describe, expect, test } from 'vitest';
import { DutyCycle, SLICE_MS } from './duty-cycle.ts';

function fakeClock() {
  let t = 0;
  return {
    now: () => t,
    advance: (ms: number) => {
      t += ms;
    },
  };
}

describe('DutyCycle', () => {
  test('default: at 50% a slice of busy time owes an equal rest', () => {
    const clock = fakeClock();
    const duty = new DutyCycle(0.5, clock.now);
    duty.begin();
    clock.advance(SLICE_MS);
    expect(duty.restOwed()).toBe(SLICE_MS);
  });

  test('behavior: idle time between units counts as rest', () => {
    const clock = fakeClock();
    const duty = new DutyCycle(0.5, clock.now);
    duty.begin();
    clock.advance(200);
    duty.end();
    clock.advance(100);
    duty.begin();
    clock.advance(100);
    // 300 ms busy over 400 ms of wall clock: 200 ms more rest brings it to half.
    expect(duty.restOwed()).toBe(200);
  });

  test('behavior: nothing is owed before a slice, nor ever at 100%', () => {
    const clock = fakeClock();
    const half = new DutyCycle(0.5, clock.now);
    const full = new DutyCycle(1, clock.now);
    half.begin();
    full.begin();
    clock.advance(SLICE_MS / 4);
    expect(half.restOwed()).toBe(0);
    clock.advance(10_000);
    expect(full.restOwed()).toBe(0);
  });

  test('behavior: a rest starts a new window', () => {
    const clock = fakeClock();
    const duty = new DutyCycle(0.25, clock.now);
    duty.begin();
    clock.advance(300);
    duty.end();
    expect(duty.restOwed()).toBe(900);
    clock.advance(900);
    duty.rested();
    expect(duty.restOwed()).toBe(0);
  });

  test('behavior: a cycle goes on from a snapshot of another, as in a sandbox thread', () => {
    const clock = fakeClock();
    const worker = new DutyCycle(0.5, clock.now);
    worker.begin();
    clock.advance(100);
    worker.end();
    clock.advance(50);
    expect(worker.snapshot()).toEqual({ busyMs: 100, windowMs: 150 });
    const sandbox = DutyCycle.from(0.5, worker.snapshot(), clock.now);
    expect(sandbox.restOwed()).toBe(0); // 100 ms busy: under a slice
    sandbox.begin();
    clock.advance(100);
    // 200 ms busy over 250 ms of wall clock: the same 150 ms of rest the worker's own cycle would owe.
    expect(sandbox.restOwed()).toBe(150);
  });

  test('error: a limit outside (0, 1] is refused', () => {
    expect(() => new DutyCycle(0)).toThrow(/CPU limit must be in \(0, 1\], got 0/);
    expect(() => new DutyCycle(1.5)).toThrow(/got 1.5/);
    expect(() => new DutyCycle(Number.NaN)).toThrow(/got NaN/);
  });
});
