import { describe, expect, test } from 'vitest';
import { batteryRule, idleRule, inSchedule, pressureRule, scheduleRule, whyNot, type Signals } from './rules.ts';
import { DEFAULT_SETTINGS, type Settings } from './settings.ts';

const NOW = 1_700_000_000_000;
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

  test('behavior: battery never, or above a charge', () => {
    const unplugged = { ...calm, battery: { charging: false, level: 0.42 } };
    expect(batteryRule(with_({ battery: 'never' }), unplugged)).toMatch(/on battery/);
    expect(batteryRule(with_({ battery: 'above', batteryMinPercent: 40 }), unplugged)).toBeNull();
    expect(batteryRule(with_({ battery: 'above', batteryMinPercent: 50 }), unplugged)).toBe(
      'battery at 42%, below the 50% you set',
    );
    expect(batteryRule(with_({ battery: 'never' }), { ...calm, battery: null })).toBeNull();
  });

  test('behavior: idle after input, or only while hidden', () => {
    const settings = with_({ idle: 'after-input', idleMinutes: 3 });
    expect(idleRule(settings, { ...calm, lastInputAt: NOW - 60_000 })).toMatch(/after 3 min without input/);
    expect(idleRule(settings, { ...calm, lastInputAt: NOW - 180_000 })).toBeNull();
    expect(idleRule(with_({ idle: 'hidden' }), calm)).toMatch(/in view/);
    expect(idleRule(with_({ idle: 'hidden' }), { ...calm, hidden: true })).toBeNull();
  });

  test('behavior: serious and critical pressure back off', () => {
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'fair' })).toBeNull();
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'serious' })).toMatch(/serious/);
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: 'critical' })).toMatch(/critical/);
    expect(pressureRule(DEFAULT_SETTINGS, { ...calm, pressure: null })).toBeNull();
  });

  test('behavior: the schedule wraps past midnight', () => {
    expect(inSchedule(9, 17, 8)).toBe(false);
    expect(inSchedule(9, 17, 9)).toBe(true);
    expect(inSchedule(9, 17, 17)).toBe(false);
    expect(inSchedule(22, 6, 23)).toBe(true);
    expect(inSchedule(22, 6, 3)).toBe(true);
    expect(inSchedule(22, 6, 12)).toBe(false);
    expect(inSchedule(5, 5, 12)).toBe(true);
    expect(scheduleRule(with_({ scheduleStart: 22, scheduleEnd: 6 }), calm)).toBe('outside your hours (22:00 to 6:00)');
  });
});
