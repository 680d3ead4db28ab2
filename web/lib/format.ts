/**
 * @module web/lib/format
 * Numbers and times as people read them, the same on every page. Credit from one browser is small at first (a
 * 1 GFLOPS device earns 200 a day, about 0.002 a second), so small values keep three significant digits instead of
 * rounding to zero; durations and moments are said in the largest units that matter ("3 min ago", "about 2 h").
 */

const small = new Intl.NumberFormat('en', { maximumSignificantDigits: 3 });
const large = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });
const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/**
 * Credit in cobblestones, with enough digits to see it move.
 * @example formatCredit(0.0040213) // '0.00402'; formatCredit(1234.567) // '1,234.57'
 */
export function formatCredit(credit: number): string {
  return credit < 1 ? small.format(credit) : large.format(credit);
}

/**
 * An estimate, to three significant digits whatever its size: it is not known better than that.
 * @example formatEstimate(139.25) // '139'; formatEstimate(0.004021) // '0.00402'
 */
export function formatEstimate(n: number): string {
  return small.format(n);
}

/** A count, grouped: 12,345. */
export function formatCount(n: number): string {
  return whole.format(n);
}

/** A speed in FLOPS with its SI prefix, e.g. "1.23 GFLOPS"; with `unit` 'FLOP', an amount of work ("1.23 GFLOP"). */
export function formatFlops(flops: number, unit: 'FLOPS' | 'FLOP' = 'FLOPS'): string {
  const prefixes = ['', 'k', 'M', 'G', 'T', 'P'];
  let i = 0;
  while (flops >= 1000 && i < prefixes.length - 1) {
    flops /= 1000;
    i++;
  }
  return `${small.format(flops)} ${prefixes[i]}${unit}`;
}

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86_400;

/**
 * A duration in seconds, in its two largest units.
 * @example formatDuration(150) // '2 min 30 s'; formatDuration(7500) // '2 h 5 min'
 */
export function formatDuration(seconds: number): string {
  if (seconds < 0.5) return 'under 1 s';
  const s = Math.round(seconds);
  if (s < MINUTE) return `${s} s`;
  if (s < 10 * MINUTE) return s % MINUTE ? `${Math.floor(s / MINUTE)} min ${s % MINUTE} s` : `${s / MINUTE} min`;
  if (s < HOUR) return `${Math.round(s / MINUTE)} min`;
  if (s < DAY) {
    const m = Math.round((s % HOUR) / MINUTE);
    return m && m < 60 ? `${Math.floor(s / HOUR)} h ${m} min` : `${Math.round(s / HOUR)} h`;
  }
  const days = Math.floor(s / DAY);
  const h = Math.round((s % DAY) / HOUR);
  return `${days} ${days === 1 ? 'day' : 'days'}${h && h < 24 ? ` ${h} h` : ''}`;
}

/** A duration in its largest unit only, for moments: "3 min", "2 h", "5 days" (59.9 min is "1 h", not "60 min"). */
function coarse(seconds: number): string {
  const minutes = Math.round(seconds / MINUTE);
  if (minutes < 60) return `${Math.max(1, minutes)} min`;
  const hours = Math.round(seconds / HOUR);
  if (hours < 24) return `${hours} h`;
  const days = Math.round(seconds / DAY);
  return `${days} ${days === 1 ? 'day' : 'days'}`;
}

/**
 * A moment relative to now: "just now", "3 min ago", "in 2 h".
 * @example formatRelative(Date.now() - 180_000, Date.now()) // '3 min ago'
 */
export function formatRelative(at: number, now: number): string {
  const seconds = (at - now) / 1000;
  if (Math.abs(seconds) < 45) return seconds < 0 ? 'just now' : 'in a few seconds';
  return seconds < 0 ? `${coarse(-seconds)} ago` : `in ${coarse(seconds)}`;
}
