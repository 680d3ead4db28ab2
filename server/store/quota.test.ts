import { describe, expect, test } from 'vitest';
import {
  DEADLINE_FACTOR,
  DEADLINE_FLOOR_S,
  dailyQuota,
  deadlineFor,
  inProgressCap,
  MAX_IN_PROGRESS,
  NEW_HOST_DAILY,
  NEW_HOST_IN_PROGRESS,
  DEFAULT_HOSTS_PER,
  sharedRoom,
} from './quota.ts';

describe('host quotas', () => {
  const record = (valid: number, invalid = 0, errors = 0) => ({ valid, invalid, errors });

  test('default: a new host starts small', () => {
    expect(inProgressCap(record(0))).toBe(NEW_HOST_IN_PROGRESS);
    expect(dailyQuota(record(0))).toBe(NEW_HOST_DAILY);
  });

  test('behavior: valid results grow both, invalid results and errors shrink them faster, within bounds', () => {
    expect(inProgressCap(record(20))).toBe(NEW_HOST_IN_PROGRESS + 10);
    expect(dailyQuota(record(20))).toBe(NEW_HOST_DAILY + 80);
    expect(inProgressCap(record(20, 1))).toBeLessThan(inProgressCap(record(20)));
    expect(dailyQuota(record(20, 0, 1))).toBeLessThan(dailyQuota(record(20)));
    expect(inProgressCap(record(0, 50))).toBe(1);
    expect(dailyQuota(record(0, 0, 50))).toBe(2);
    expect(inProgressCap(record(1e9))).toBe(MAX_IN_PROGRESS);
  });

  test("behavior: the operator's new-host daily quota is where records start, for the host and its network", () => {
    expect(dailyQuota(record(0), 500)).toBe(500);
    expect(dailyQuota(record(20), 500)).toBe(580);
    expect(dailyQuota(record(0, 0, 50), 500)).toBe(2);
    const unused = { held: 0, today: 0 };
    // Its volunteer's hosts took 4 new hosts' worth of the default today: nothing more by default, more with 500.
    const took = { held: 0, today: 4 * NEW_HOST_DAILY };
    expect(sharedRoom(record(0), DEFAULT_HOSTS_PER, took, unused)).toBe(0);
    expect(sharedRoom(record(0), DEFAULT_HOSTS_PER, took, unused, 500)).toBeGreaterThan(0);
  });
});

describe('deadlines', () => {
  test('default: a few times the expected time, at least the floor, at most the delay bound', () => {
    const now = 1_000_000;
    expect(deadlineFor(now, 1, 86_400)).toBe(now + DEADLINE_FLOOR_S * 1000);
    expect(deadlineFor(now, 1000, 86_400)).toBe(now + DEADLINE_FACTOR * 1000 * 1000);
    expect(deadlineFor(now, 1e6, 86_400)).toBe(now + 86_400 * 1000);
    expect(deadlineFor(now, 1, 60)).toBe(now + 60 * 1000);
  });
});
