/**
 * @module web/lib/policy/rules
 * Whether computing may run now, one small rule per preference, each a pure function of the settings and the
 * signals the page observes, answering null (may run) or a Pause: why not, in words for the volunteer, and when it
 * resumes (in words, and by the clock where the clock decides).
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

/** What paused computing: a policy, or the volunteer's own pause ("pause for an hour"). */
export type RuleName = 'battery' | 'idle' | 'pressure' | 'schedule' | 'volunteer';

export interface Pause {
  rule: RuleName;
  /** Why computing waits: "battery at 42%, below the 50% you set". */
  reason: string;
  /** What ends the wait: "when the charger is plugged in". */
  resumes: string;
  /** When the wait ends by the clock (ms since the epoch); null when an event ends it. */
  resumesAt: number | null;
}

export type Rule = (settings: Settings, signals: Signals) => Pause | null;

export const batteryRule: Rule = ({ battery, batteryMinPercent }, { battery: state }) => {
  if (!state || state.charging) return null;
  if (battery === 'never') {
    return {
      rule: 'battery',
      reason: 'on battery: computing waits for the charger',
      resumes: 'when the charger is plugged in',
      resumesAt: null,
    };
  }
  const percent = Math.round(state.level * 100);
  if (percent >= batteryMinPercent) return null;
  return {
    rule: 'battery',
    reason: `battery at ${percent}%, below the ${batteryMinPercent}% you set`,
    resumes: `when the charger is plugged in or the battery is back at ${batteryMinPercent}%`,
    resumesAt: null,
  };
};

export const idleRule: Rule = ({ idle, idleMinutes }, { lastInputAt, hidden, now }) => {
  if (idle === 'hidden' && !hidden) {
    return {
      rule: 'idle',
      reason: 'this tab is in view: computing waits until it is hidden',
      resumes: 'when you switch to another tab or window',
      resumesAt: null,
    };
  }
  if (idle === 'after-input' && now - lastInputAt < idleMinutes * 60_000) {
    return {
      rule: 'idle',
      reason: `in use: computing starts after ${idleMinutes} min without input`,
      resumes: `after ${idleMinutes} min without keyboard, mouse or touch input`,
      resumesAt: lastInputAt + idleMinutes * 60_000,
    };
  }
  return null;
};

export const pressureRule: Rule = (_settings, { pressure }) =>
  pressure === 'serious' || pressure === 'critical'
    ? {
        rule: 'pressure',
        reason: `the system reports ${pressure} CPU pressure: backing off`,
        resumes: 'when the system is less busy',
        resumesAt: null,
      }
    : null;

/** Whether an hour falls in [start, end), wrapping past midnight; start = end is all day. */
export function inSchedule(start: number, end: number, hour: number): boolean {
  if (start === end || (start === 0 && end === 24)) return true;
  return start < end ? hour >= start && hour < end : hour >= start || hour < end;
}

/** The next time the local clock strikes `hour`:00 after `now`. */
export function nextHour(hour: number, now: number): number {
  const at = new Date(now);
  at.setHours(hour % 24, 0, 0, 0);
  if (at.getTime() <= now) at.setDate(at.getDate() + 1);
  return at.getTime();
}

export const scheduleRule: Rule = ({ scheduleStart, scheduleEnd }, { hour, now }) =>
  inSchedule(scheduleStart, scheduleEnd, hour)
    ? null
    : {
        rule: 'schedule',
        reason: `outside your hours (${scheduleStart}:00 to ${scheduleEnd}:00)`,
        resumes: `at ${scheduleStart}:00`,
        resumesAt: nextHour(scheduleStart, now),
      };

export const RULES: readonly Rule[] = [batteryRule, idleRule, pressureRule, scheduleRule];

/** The first reason computing may not run now, or null. */
export function whyNot(settings: Settings, signals: Signals): Pause | null {
  for (const rule of RULES) {
    const pause = rule(settings, signals);
    if (pause) return pause;
  }
  return null;
}
