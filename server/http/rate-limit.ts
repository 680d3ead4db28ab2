/**
 * @module server/http/rate-limit
 * Per-key token buckets (a host, an address): a steady rate with a burst allowance. Over the limit, a request gets a
 * 429 that says when to come back. Kept in the process's memory: behind several processes each enforces its share.
 */
import { ApiError } from './errors.ts';

export class RateLimitedError extends ApiError {
  override name = 'RateLimitedError' as const;
  readonly retryAfterS: number;
  constructor(retryAfterS: number) {
    super(429, `too many requests; retry in ${retryAfterS} s`, {
      headers: { 'retry-after': String(retryAfterS) },
      details: { retryAfterS },
    });
    this.retryAfterS = retryAfterS;
  }
}

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly perSecond: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor({ perSecond, burst, now = Date.now }: { perSecond: number; burst: number; now?: () => number }) {
    this.perSecond = perSecond;
    this.burst = burst;
    this.now = now;
  }

  /** Spends one token of `key`, or throws RateLimitedError. */
  take(key: string): void {
    const now = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.perSecond);
    b.at = now;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      throw new RateLimitedError(Math.ceil((1 - b.tokens) / this.perSecond));
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    if (this.buckets.size > 100_000) this.sweep(now);
  }

  /** Drops full buckets, which carry no information. */
  private sweep(now: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.perSecond >= this.burst) this.buckets.delete(key);
    }
  }
}
