import { describe, expect, test } from 'vitest';
import { changeSettings, DEFAULT_SETTINGS, type SettingsError, settingsFrom, workerCount } from './settings.ts';

describe('settings', () => {
  test('default: a valid change applies', () => {
    expect(changeSettings(DEFAULT_SETTINGS, { cpuLimitPercent: 40 }).cpuLimitPercent).toBe(40);
  });

  test('error: a bad value is refused, naming the setting, and nothing changes', () => {
    const before = structuredClone(DEFAULT_SETTINGS);
    const fields = (change: object) => {
      try {
        changeSettings(DEFAULT_SETTINGS, change);
      } catch (e) {
        return (e as SettingsError).fields;
      }
      throw new Error('accepted');
    };
    expect(fields({ cpuLimitPercent: 150 })).toEqual({ cpuLimitPercent: 'Must be 100 or less.' });
    expect(fields({ cpuLimitPercent: 1, idleMinutes: Number.NaN })).toEqual({
      cpuLimitPercent: 'Must be 5 or more.',
      idleMinutes: 'Enter a number.',
    });
    expect(fields({ battery: 'sometimes' })).toEqual({ battery: 'Choose one of the options.' });
    expect(fields({ scheduleStart: 7.5 })).toEqual({ scheduleStart: 'Must be a whole number.' });
    expect(fields({ bogus: 1 })).toEqual({ bogus: 'Not a setting.' });
    expect(() => changeSettings(DEFAULT_SETTINGS, { cpuLimitPercent: 150 })).toThrow(/^cpuLimitPercent: Must be 100/);
    expect(DEFAULT_SETTINGS).toEqual(before);
  });

  test('behavior: stored settings fill missing fields with defaults and ignore broken ones', () => {
    expect(settingsFrom({ gpu: false }).gpu).toBe(false);
    expect(settingsFrom({ gpu: false }).cpuLimitPercent).toBe(DEFAULT_SETTINGS.cpuLimitPercent);
    expect(settingsFrom({ cpuLimitPercent: -3 })).toEqual(DEFAULT_SETTINGS);
    expect(settingsFrom(undefined)).toEqual(DEFAULT_SETTINGS);
  });

  test('behavior: workers are the allowed share of cores, at least one', () => {
    expect(workerCount({ ...DEFAULT_SETTINGS, coresPercent: 50 }, 8)).toBe(4);
    expect(workerCount({ ...DEFAULT_SETTINGS, coresPercent: 50 }, 1)).toBe(1);
    expect(workerCount({ ...DEFAULT_SETTINGS, coresPercent: 100 }, 0)).toBe(1);
  });
});
