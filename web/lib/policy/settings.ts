/**
 * @module web/lib/policy/settings
 * The volunteer's preferences, after BOINC's client preferences: when computing may run (battery, idle, schedule,
 * system pressure) and how much of the device it may use (CPU limit, share of cores, GPU, download buffer).
 * Every change is parsed; a bad value is refused with a message naming the setting, and nothing changes.
 */
import { z } from 'zod';
import { BaseError, type BaseErrorParameters } from '../../../protocol/base-error.ts';
import { issuesOf } from '../../../protocol/error-wire.ts';

const Hour = z.number().int().min(0).max(24);

export const Settings = z.strictObject({
  /** On battery: never compute, or only while the charge is at least batteryMinPercent. */
  battery: z.enum(['never', 'above']),
  batteryMinPercent: z.number().int().min(0).max(100),
  /** Always, only after idleMinutes without input, or only while the tab is hidden. */
  idle: z.enum(['always', 'after-input', 'hidden']),
  idleMinutes: z.number().min(0.5).max(1440),
  /** Busy share of each worker, in percent (a duty cycle). */
  cpuLimitPercent: z.number().int().min(5).max(100),
  /** Share of navigator.hardwareConcurrency used as workers, in percent; at least one worker. */
  coresPercent: z.number().int().min(1).max(100),
  gpu: z.boolean(),
  /** Daily hours in local time; start = end means all day; start > end wraps past midnight. */
  scheduleStart: Hour,
  scheduleEnd: Hour,
  /** Work kept in the buffer, in minutes of computing (BOINC's work buffer). */
  bufferMinutes: z.number().min(1).max(1440),
});
export type Settings = z.infer<typeof Settings>;

export const DEFAULT_SETTINGS: Settings = {
  battery: 'above',
  batteryMinPercent: 30,
  idle: 'always',
  idleMinutes: 3,
  cpuLimitPercent: 60,
  coresPercent: 50,
  gpu: true,
  scheduleStart: 0,
  scheduleEnd: 24,
  bufferMinutes: 10,
};

export type SettingsField = keyof Settings;

export class SettingsError extends BaseError {
  override name = 'SettingsError' as const;
  /** What is wrong with each bad field, in plain words ("Must be 100 or less."), for the form to show beside it. */
  readonly fields: Partial<Record<SettingsField, string>>;
  constructor(fields: Partial<Record<SettingsField, string>>, options: BaseErrorParameters = {}) {
    super(
      Object.entries(fields)
        .map(([field, problem]) => `${field}: ${problem}`)
        .join('; '),
      options,
    );
    this.fields = fields;
  }
}

/** A schema issue in the words a volunteer reads beside the field. */
function plainWords(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'too_big':
      return `Must be ${String(issue.maximum)} or less.`;
    case 'too_small':
      return `Must be ${String(issue.minimum)} or more.`;
    case 'invalid_type':
      return issue.expected === 'int' ? 'Must be a whole number.' : 'Enter a number.';
    case 'invalid_value':
      return 'Choose one of the options.';
    default:
      return issue.message;
  }
}

/** Applies a change to the settings, or throws a SettingsError naming each bad field; nothing changes then. */
export function changeSettings(current: Settings, change: Partial<Record<SettingsField, unknown>>): Settings {
  const parsed = Settings.safeParse({ ...current, ...change });
  if (!parsed.success) {
    const fields: Record<string, string> = {};
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') for (const key of issue.keys) fields[key] = 'Not a setting.';
      else fields[String(issue.path[0] ?? 'settings')] ??= plainWords(issue);
    }
    throw new SettingsError(fields, { issues: issuesOf(parsed.error), cause: parsed.error });
  }
  return parsed.data;
}

/** Stored settings, or the defaults where none (or broken ones from an older version) are stored. */
export function settingsFrom(stored: unknown): Settings {
  const parsed = Settings.safeParse(typeof stored === 'object' && stored ? { ...DEFAULT_SETTINGS, ...stored } : stored);
  return parsed.success ? parsed.data : DEFAULT_SETTINGS;
}

/** Workers to run: the allowed share of the device's cores, at least one. */
export function workerCount(settings: Settings, cores: number): number {
  return Math.max(1, Math.floor((Math.max(1, cores) * settings.coresPercent) / 100));
}
