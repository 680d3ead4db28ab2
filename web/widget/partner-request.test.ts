import { describe, expect, test } from 'vitest';
import { parsePartnerRequest } from './partner-request.ts';

const PARTNER = 'https://magazine.example';

describe('partner requests', () => {
  test('default: the embedding page may ask for the state', () => {
    expect(parsePartnerRequest({ source: 'terraflop-partner', type: 'state' }, PARTNER, PARTNER)).toEqual({
      ok: true,
      request: { source: 'terraflop-partner', type: 'state' },
    });
  });

  test('error: a request to start computing is refused: only the visitor starts it', () => {
    const parsed = parsePartnerRequest({ source: 'terraflop-partner', type: 'start' }, PARTNER, PARTNER);
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringContaining("visitor's click") });
  });

  test('error: messages from another origin, or when the embedding origin is unknown, are refused', () => {
    expect(
      parsePartnerRequest({ source: 'terraflop-partner', type: 'state' }, 'https://evil.example', PARTNER),
    ).toMatchObject({ ok: false });
    expect(parsePartnerRequest({ source: 'terraflop-partner', type: 'state' }, PARTNER, null)).toMatchObject({
      ok: false,
    });
    expect(parsePartnerRequest('state', PARTNER, PARTNER)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('source'),
    });
    const extra = { source: 'terraflop-partner', type: 'state', start: true };
    expect(parsePartnerRequest(extra, PARTNER, PARTNER)).toMatchObject({
      ok: false,
      reason: expect.stringContaining('start'),
    });
  });
});
