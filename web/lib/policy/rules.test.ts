import { describe, expect, test } from 'vitest';
import {
  batteryRule,
  idleRule,
  inSchedule,
  nextHour,
  pressureRule,
  scheduleRule,
  whyNot,
  type Signals,
} from './rules.ts';
import { DEFAULT_SETTINGS, type Settings } from './settings.ts';

const NOW = new Date(2026, 5, 1, 12, 30).getTime();
const calm: Signals = {
  battery: { charging: true, level: 1 },
  lastInputAt: NOW,
  hidden: false,
  pressure: 'nominal',
  now: NOW,
  hour: 12,
};
const with_ = (s: Partial<Settings>): Settings => ({ ...DEFAULT_SETTINGS, ...s });

describe('policy rules', () => {
  test('default: the default settings let a charging, calm, visible device compute', () => {
    expect(whyNot(DEFAULT_SETTINGS, calm)).toBeNull();
  });

  test('behavior: battery never, or above a charge; resumes on the charger', () => {
    const unplugged = { ...calm, battery: { charging: false, level: 0.42 } };
    expect(batteryRule(with_({ battery: 'never' }), unplugged)?.reason).toMatch(/on battery/);
    expect(batteryRule(with_({ battery: 'above', batteryMinPercent: 40 }), unplugged)).toBeNull();
    expect(batteryRule(with_({ battery: 'above', batteryMinPercent: 50 }), unplugged)).toEqual({
      rule: 'battery',
      reason: 'battery at 42%, below the 50% you set',
      resumes: 'when the charger is plugged in or the battery is back at 50%',
      resumesAt: null,
    });
    expect(batteryRule(with_({ battery: 'never' }), { ...calm, battery: null })).toBeNull();
  });

  test('behavior: idle after input resumes at a known time; only while hidden waits for the tab', () => {
    const settings = with_({ idle: 'after-input', idleMinutes: 3 });
    const busy = idleRule(settings, { ...calm, lastInputAt: NOW - 60_000 });
    expect(busy?.reason).toMatch(/after 3 min without input/);
    expect(busy?.resumesAt).toBe(NOW + 120_000);
    expect(idleRule(settings, { ...calm, lastInputAt: NOW - 180_000 })).toBeNull();
    expect(idleRule(with_({ idle: 'hidden' }), calm)?.reason).toMatch(/in view/);
    expect(idleRule(with_({ idle: 'hidden' }), { ...calm, hidden: true })).toBeNull();
  });

  test('behavior: serious and critical pressure back off', () => {
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'fair' })).toBeNull();
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'serious' })?.reason).toMatch(/serious/);
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'critical' })?.reason).toMatch(/critical/);
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: null })).toBeNull();
  });

  test('behavior: the schedule wraps past midnight and resumes at its start', () => {
    expect(inSchedule(9, 17, 8)).toBe(false);
    expect(inSchedule(9, 17, 9)).toBe(true);
    expect(inSchedule(9, 17, 17)).toBe(false);
    expect(inSchedule(22, 6, 23)).toBe(true);
    expect(inSchedule(22, 6, 3)).toBe(true);
    expect(inSchedule(22, 6, 12)).toBe(false);
    expect(inSchedule(5, 5, 12)).toBe(true);
    const night = scheduleRule(with_({ scheduleStart: 22, scheduleEnd: 6 }), calm);
    expect(night?.reason).toBe('outside your hours (22:00 to 6:00)');
    expect(night?.resumesAt).toBe(new Date(2026, 5, 1, 22).getTime());
    expect(nextHour(9, NOW)).toBe(new Date(2026, 5, 2, 9).getTime());
  });
});
