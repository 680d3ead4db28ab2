import { describe, expect, test } from 'vitest';
import { addCredit, decayed, RAC_HALF_LIFE_S } from '../credit/rac.ts';
import { buildEpochTree } from './epoch-tree.ts';
import { decayWad, nextWeight, previousEpoch, WEIGHT_HALF_LIFE_S, weightProblems } from './stake-weight.ts';

const WAD = 10n ** 18n;
const COP = 10n ** 18n;
const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000B2';
const DAY = 86_400;

describe('decayWad', () => {
  test('default: whole half-lives are exact halvings; between them it is 2^(−t/H) to 1e-15', () => {
    expect(decayWad(0n)).toBe(WAD);
    expect(decayWad(-5n)).toBe(WAD);
    expect(decayWad(WEIGHT_HALF_LIFE_S)).toBe(WAD / 2n);
    expect(decayWad(2n * WEIGHT_HALF_LIFE_S)).toBe(WAD / 4n);
    expect(decayWad(64n * WEIGHT_HALF_LIFE_S)).toBe(0n);
    for (const dt of [1, 600, DAY, 3.5 * DAY, 10 * DAY, 30 * DAY]) {
      const exact = 2 ** (-dt / RAC_HALF_LIFE_S);
      expect(Math.abs(Number(decayWad(BigInt(dt))) / 1e18 - exact)).toBeLessThan(1e-15);
    }
    // The same input always gives the same integer: what any checker must reproduce.
    expect(decayWad(302_400n)).toBe(707_106_781_186_547_524n);
  });

  test('behavior: never grows with time', () => {
    let last = WAD;
    for (let dt = 0n; dt < 3n * WEIGHT_HALF_LIFE_S; dt += 7_919n) {
      const d = decayWad(dt);
      expect(d <= last).toBe(true);
      last = d;
    }
  });
});

describe('stake weight', () => {
  const cut = 1_700_000_000;
  const before = previousEpoch(cut, buildEpochTree([{ address: A, credit: 40n * COP }]).leaves);

  test('behavior: idle for two weeks a volunteer keeps a quarter of its weight; one still earning adds', () => {
    const later = cut + 14 * DAY;
    expect(nextWeight(before, later, A, 40n * COP)).toBe(10n * COP);
    expect(nextWeight(before, later, A, 45n * COP)).toBe(15n * COP);
    // A newcomer starts at its credit; credit that fell (a grant withdrawn) adds nothing and takes nothing.
    expect(nextWeight(before, later, B, 3n * COP)).toBe(3n * COP);
    expect(nextWeight(before, later, A, 30n * COP)).toBe(10n * COP);
    expect(nextWeight(undefined, later, A, 40n * COP)).toBe(40n * COP);
  });

  test('behavior: the weight follows BOINC recent average credit, up to the constant H / (ln2 × 1 day)', () => {
    // Ten-minute epochs: A earns 2 credit an hour for two weeks then stops; B starts a week in at 1 an hour.
    let prior: ReturnType<typeof previousEpoch> | undefined;
    const rac = { a: { value: 0, time: 0 }, b: { value: 0, time: 0 } };
    const credit = { a: 0n, b: 0n };
    const scale = RAC_HALF_LIFE_S / (Math.LN2 * DAY);
    for (let i = 1; i <= 6 * 24 * 21; i++) {
      const at = cut + i * 600;
      const day = (i * 600) / DAY;
      const earn = { a: day <= 14 ? 1 / 3 : 0, b: day > 7 ? 1 / 6 : 0 };
      for (const k of ['a', 'b'] as const) {
        if (earn[k] > 0) {
          credit[k] += BigInt(Math.round(earn[k] * 1e6)) * 10n ** 12n;
          rac[k] = addCredit(rac[k], earn[k], at * 1000);
        }
      }
      const credits = [
        { address: A, credit: credit.a },
        { address: B, credit: credit.b },
      ].filter((c) => c.credit > 0n);
      const t = buildEpochTree(credits.map((c) => ({ ...c, weight: nextWeight(prior, at, c.address, c.credit) })));
      prior = previousEpoch(at, t.leaves);
    }
    const end = cut + 6 * 24 * 21 * 600;
    const weightOf = (a: string) => Number(prior!.leaves.get(a.toLowerCase())!.weight) / 1e18;
    // RAC (credit per day) × scale is the weight, within 1% (BOINC spreads each credit over its interval).
    expect(weightOf(A) / (decayed(rac.a, end * 1000) * scale)).toBeCloseTo(1, 2);
    expect(weightOf(B) / (decayed(rac.b, end * 1000) * scale)).toBeCloseTo(1, 2);
    // A earned twice B's credit in all, but stopped a week ago: B is drawn more often now.
    expect(credit.a).toBeGreaterThan(credit.b);
    expect(weightOf(B)).toBeGreaterThan(weightOf(A));
  });

  test('error: a tampered weight, or a cut before the previous one, is named', () => {
    const later = cut + DAY;
    const honest = buildEpochTree([
      { address: A, credit: 41n * COP, weight: nextWeight(before, later, A, 41n * COP) },
      { address: B, credit: 2n * COP, weight: 2n * COP },
    ]);
    expect(weightProblems(before, later, honest.leaves)).toEqual([]);
    const tampered = buildEpochTree([
      { address: A, credit: 41n * COP, weight: nextWeight(before, later, A, 41n * COP) },
      { address: B, credit: 2n * COP, weight: 200n * COP },
    ]);
    expect(weightProblems(before, later, tampered.leaves)).toEqual([
      `${tampered.leaves[1]![0]}'s weight is ${200n * COP}, not ${2n * COP}`,
    ]);
    expect(weightProblems(before, cut - 1, honest.leaves)[0]).toMatch(/before the previous epoch's cut/);
  });
});
