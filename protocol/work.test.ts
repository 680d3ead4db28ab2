import { randomBytes } from 'node:crypto';
import { describe, expect, test } from 'vitest';
import { fitReport, ReplicaRef, REPLICA_TOKEN_BYTES, ReplicaToken, tokenOf } from './work.ts';

describe('ReplicaToken', () => {
  test('default: 128 random bits in base64url, as the coordinator draws them, parse', () => {
    for (let i = 0; i < 200; i++) {
      const token = randomBytes(REPLICA_TOKEN_BYTES).toString('base64url');
      expect(ReplicaToken.parse(token)).toBe(token);
    }
  });

  test('error: one spelling only: no padding, no other length, no second spelling of the last 2 bits', () => {
    const token = Buffer.alloc(16).toString('base64url'); // 'AAAAAAAAAAAAAAAAAAAAAA'
    for (const bad of [`${token}==`, token.slice(1), `${token}A`, `${token.slice(0, 21)}B`, `${token.slice(0, 21)}+`])
      expect(ReplicaToken.safeParse(bad).success, bad).toBe(false);
  });

  test('behavior: a report may still name a replica sent before opaque ids by its number, read as its token', () => {
    expect(ReplicaRef.parse(42)).toBe(42);
    expect(tokenOf(42)).toBe('42');
    expect(ReplicaRef.safeParse('42').success).toBe(false);
    expect(ReplicaRef.safeParse(0).success).toBe(false);
  });
});

describe('fitReport', () => {
  const entry = (bytes: number) => ({ data: 'x'.repeat(bytes) });
  // Each entry is its data and {"data":""} around it (11 bytes); the report adds {"results":[]} (14).
  const size = (entries: { data: string }[]) => JSON.stringify({ results: entries }).length;

  test('default: the longest run from the first that fits, the report measured whole', () => {
    const entries = [entry(400), entry(400), entry(400)];
    const fitted = fitReport(entries, size(entries.slice(0, 2)));
    expect(fitted).toEqual(entries.slice(0, 2));
    expect(fitReport(entries, size(entries))).toEqual(entries);
    expect(fitReport(entries, size(entries) - 1)).toHaveLength(2);
  });

  test('behavior: one entry too large alone still goes, to be refused by name', () => {
    expect(fitReport([entry(2000), entry(1)], 100)).toHaveLength(1);
    expect(fitReport([], 100)).toEqual([]);
  });
});
