import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { tokensAdjacent } from './patience.ts';

/** A sequential id spelled as a token: what the probe's tell would read if ids were still numbers in order. */
const numbered = (id: number) => Buffer.from(id.toString(16).padStart(32, '0'), 'hex').toString('base64url');

describe('the probe reading tokens', () => {
  test('behavior: the tell fires on sequential ids, as it did on the old replica ids', () => {
    expect(tokensAdjacent(numbered(2001), numbered(2002))).toBe(true);
    expect(tokensAdjacent(numbered(2002), numbered(2001))).toBe(true);
    expect(tokensAdjacent(numbered(2001), numbered(2001 + (1 << 20)))).toBe(false);
  });

  test('behavior: on random 128-bit tokens it tells nothing', () => {
    const tokens = Array.from({ length: 2000 }, () => randomBytes(16).toString('base64url'));
    const fired = tokens.slice(1).filter((t, i) => tokensAdjacent(t, tokens[i]!)).length;
    expect(fired).toBe(0);
  });
});
