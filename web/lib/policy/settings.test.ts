import { describe, expect, test } from 'vitest';
import { changeSettings, DEFAULT_SETTINGS, settingsFrom, workerCount } from './settings.ts';

describe('settings', () => {
  test('default: a valid change applies', () => {
    expect(changeSettings(DEFAULT_SETTINGS, { cpuLimitPercent: 40 }).cpuLimitPercent).toBe(40);
  });

  test('error: a bad value is refused, naming the setting, and nothing changes', () => {
    const before = structuredClone(DEFAULT_SETTINGS);
    expect(() => changeSettings(DEFAULT_SETTINGS, { cpuLimitPercent: 150 })).toThrow(/^cpuLimitPercent: /);
    expect(() => changeSettings(DEFAULT_SETTINGS, { battery: 'sometimes' })).toThrow(/battery/);
    expect(() => changeSettings(DEFAULT_SETTINGS, { scheduleStart: 7.5 })).toThrow(/scheduleStart/);
    expect(() => changeSettings(DEFAULT_SETTINGS, { bogus: 1 } as never)).toThrow(/bogus/);
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
