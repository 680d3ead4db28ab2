import { describe, expect, test } from 'vitest';
import { NO_PREVIOUS_FILE, parseEpochFile, renderEpochFile } from './epoch-file.ts';
import { buildEpochTree, creditToWei, leafAtPoint } from './epoch-tree.ts';

const A = '0x00000000000000000000000000000000000000a1';
const B = '0x00000000000000000000000000000000000000B2';

describe('creditToWei', () => {
  test('default: a millionth of a credit, rounded down', () => {
    expect(creditToWei(1.5)).toBe(1_500_000n * 10n ** 12n);
    expect(creditToWei(0.1 + 0.2)).toBe(300_000n * 10n ** 12n);
    expect(creditToWei(0.0000019)).toBe(1n * 10n ** 12n);
    expect(creditToWei(0)).toBe(0n);
  });
  test('error: negative, infinite or too large credit', () => {
    expect(() => creditToWei(-1)).toThrow(/finite number ≥ 0/);
    expect(() => creditToWei(Number.NaN)).toThrow(/finite number/);
    expect(() => creditToWei(1e12)).toThrow(/too large/);
  });
});

describe('epoch tree and file', () => {
  test('default: same credit, same root, whatever the order and the address case; offsets sum the weights', () => {
    const one = buildEpochTree([
      { address: B, credit: 2n },
      { address: A, credit: 3n },
      { address: A.toUpperCase().replace('0X', '0x'), credit: 1n },
    ]);
    const two = buildEpochTree([
      { address: A, credit: 4n },
      { address: B.toLowerCase(), credit: 2n },
      { address: '0x00000000000000000000000000000000000000c3', credit: 0n },
    ]);
    expect(one.root).toBe(two.root);
    expect(one.leaves.map(([, c, o, w]) => [c, o, w])).toEqual([
      [4n, 0n, 4n],
      [2n, 4n, 2n],
    ]);
    expect(one.total).toBe(6n);
    expect([0n, 3n, 4n, 5n].map((p) => leafAtPoint(one.leaves, p))).toEqual([0, 0, 1, 1]);
  });

  test('behavior: the draw line is the weights, not the credit; a leaf of weight 0 holds no point', () => {
    const t = buildEpochTree([
      { address: A, credit: 100n, weight: 0n },
      { address: B, credit: 1n, weight: 3n },
    ]);
    expect(t.leaves.map(([, c, o, w]) => [c, o, w])).toEqual([
      [100n, 0n, 0n],
      [1n, 0n, 3n],
    ]);
    expect([t.total, t.totalWeight]).toEqual([101n, 3n]);
    expect([0n, 2n].map((p) => leafAtPoint(t.leaves, p))).toEqual([1, 1]);
    expect(() => buildEpochTree([{ address: A, credit: 1n, weight: 0n }])).toThrow(/some weight/);
  });

  test('behavior: a rendered file parses back to the same root; a changed line is named', () => {
    const t = buildEpochTree([
      { address: A, credit: 5n },
      { address: B, credit: 7n },
    ]);
    const text = renderEpochFile(3, t, { cutAt: 1_700_000_000, previousFileHash: NO_PREVIOUS_FILE });
    expect(parseEpochFile(text).tree.root).toBe(t.root);
    expect(parseEpochFile(text).header).toMatchObject({
      epoch: 3,
      volunteers: 2,
      totalCredit: '12',
      totalWeight: '12',
      cutAt: 1_700_000_000,
    });
    expect(() => parseEpochFile(text.replace('"weight":"7"', '"weight":"8"'))).toThrow(/recomputed root/);
    expect(() => parseEpochFile(text.replace('"credit":"7"', '"credit":"8"'))).toThrow(/recomputed root/);
    expect(() => parseEpochFile(text.replace('"offset":"5"', '"offset":"4"'))).toThrow(
      /line 3: leaf out of order or offset/,
    );
    expect(() => parseEpochFile(text.replace('"credit":"7"', '"credit":"-7"'))).toThrow(/line 3: credit/);
    expect(() => parseEpochFile(`${text}{oops\n`)).toThrow(/line 4 is not JSON/);
    expect(() => parseEpochFile('')).toThrow(/empty/);
  });

  test('error: bad input to the tree', () => {
    expect(() => buildEpochTree([{ address: '0x123', credit: 1n }])).toThrow(/not an Ethereum address/);
    expect(() => buildEpochTree([{ address: A, credit: -1n }])).toThrow(/negative credit/);
    expect(() => buildEpochTree([{ address: A, credit: 0n }])).toThrow(/at least one volunteer/);
  });
});
