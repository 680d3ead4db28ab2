import { describe, expect, test } from 'vitest';
import { RateLimitedError, RateLimiter } from './rate-limit.ts';

describe('RateLimiter', () => {
  test('default: allows the burst, refuses the next, refills at the rate', () => {
    let now = 0;
    const limiter = new RateLimiter({ perSecond: 2, burst: 3, now: () => now });
    for (let i = 0; i < 3; i++) limiter.take('h');
    expect(() => limiter.take('h')).toThrow(RateLimitedError);
    now += 500; // one token back at 2 per second
    limiter.take('h');
    expect(() => limiter.take('h')).toThrow(/retry in 1 s/);
  });

  test('behavior: keys are independent', () => {
    const limiter = new RateLimiter({ perSecond: 1, burst: 1, now: () => 0 });
    limiter.take('a');
    expect(() => limiter.take('b')).not.toThrow();
  });
});
