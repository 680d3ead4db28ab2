/**
 * @module web/lib/policy/rules
 * Whether computing may run now, one small rule per preference, each a pure function of the settings and the
 * signals the page observes, answering null (may run) or the reason why not, in words for the volunteer.
 */
import type { Settings } from './settings.ts';

export type PressureState = 'nominal' | 'fair' | 'serious' | 'critical';

/** What the page observes; null where the browser does not say. */
export interface Signals {
  battery: { charging: boolean; level: number } | null;
  /** Date.now() of the last keyboard, pointer or touch input on the page. */
  lastInputAt: number;
  hidden: boolean;
  pressure: PressureState | null;
  /** Date.now(), and the local hour it falls in. */
  now: number;
  hour: number;
}

export type Rule = (settings: Settings, signals: Signals) => string | null;

export const batteryRule: Rule = ({ battery, batteryMinPercent }, { battery: state }) => {
  if (!state || state.charging) return null;
  if (battery === 'never') return 'on battery: computing waits for the charger';
  const percent = Math.round(state.level * 100);
  return percent >= batteryMinPercent ? null : `battery at ${percent}%, below the ${batteryMinPercent}% you set`;
};

export const idleRule: Rule = ({ idle, idleMinutes }, { lastInputAt, hidden, now }) => {
  if (idle === 'hidden') return hidden ? null : 'this tab is in view: computing waits until it is hidden';
  if (idle === 'after-input' && now - lastInputAt < idleMinutes * 60_000) {
    return `in use: computing starts after ${idleMinutes} min without input`;
  }
  return null;
};

export const pressureRule: Rule = (_settings, { pressure }) =>
  pressure === 'serious' || pressure === 'critical' ? `the system reports ${pressure} CPU pressure: backing off` : null;

/** Whether an hour falls in [start, end), wrapping past midnight; start = end is all day. */
export function inSchedule(start: number, end: number, hour: number): boolean {
  if (start === end || (start === 0 && end === 24)) return true;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

export const scheduleRule: Rule = ({ scheduleStart, scheduleEnd }, { hour }) =>
  inSchedule(scheduleStart, scheduleEnd, hour) ? null : `outside your hours (${scheduleStart}:00 to ${scheduleEnd}:00)`;

export const RULES: readonly Rule[] = [batteryRule, idleRule, pressureRule, scheduleRule];

/** The first reason computing may not run now, or null. */
export function whyNot(settings: Settings, signals: Signals): string | null {
  for (const rule of RULES) {
    const reason = rule(settings, signals);
    if (reason) return reason;
  }
  return null;
}
