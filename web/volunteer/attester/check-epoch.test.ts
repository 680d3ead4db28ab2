import { describe, expect, test } from 'vitest';
import { getAddress } from 'viem';
import type { AttestationDuty } from '../../../protocol/chain.ts';
import { epochFileHash, NO_PREVIOUS_FILE, renderEpochFile } from '../../../server/epochs/epoch-file.ts';
import { buildEpochTree, type Credit } from '../../../server/epochs/epoch-tree.ts';
import { nextWeight, previousEpoch } from '../../../server/epochs/stake-weight.ts';
import { checkEpochFile } from './check-epoch.ts';

const ALICE = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const BOB = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
const COP = 10n ** 18n;

// Epoch 2 as the coordinator wrote it, then epoch 3 two weeks later: Alice earned nothing since, Bob 2 credit.
const CUT_2 = 1_700_000_000;
const CUT_3 = CUT_2 + 14 * 86_400;
const NOW = (CUT_3 + 600) * 1000;
const tree2 = buildEpochTree([
  { address: ALICE, credit: 30n * COP, weight: 20n * COP },
  { address: BOB, credit: 10n * COP, weight: 4n * COP },
]);
const previous = renderEpochFile(2, tree2, { cutAt: CUT_2, previousFileHash: epochFileHash('epoch 1') });
const weighed = (credits: Credit[]) =>
  credits.map((c) => ({ ...c, weight: nextWeight(previousEpoch(CUT_2, tree2.leaves), CUT_3, c.address, c.credit) }));
const epoch3 = (credits: Credit[]) =>
  renderEpochFile(3, buildEpochTree(credits), { cutAt: CUT_3, previousFileHash: epochFileHash(previous) });
const tree = buildEpochTree(
  weighed([
    { address: ALICE, credit: 30n * COP },
    { address: BOB, credit: 12n * COP },
  ]),
);
const text = epoch3(tree.leaves.map(([address, credit, , weight]) => ({ address, credit, weight })));
const bobLeaf = tree.leaves.find(([a]) => a === BOB)!;
const duty: AttestationDuty = {
  epoch: 3,
  root: tree.root,
  fileHash: epochFileHash(text),
  totalCredit: String(tree.total),
  totalWeight: String(tree.totalWeight),
  chainId: 31337,
  ledger: ALICE,
  slots: [0],
  credit: String(bobLeaf[1]),
  offset: String(bobLeaf[2]),
  weight: String(bobLeaf[3]),
  fileUrl: '/api/epochs/3.jsonl',
  previousFileHash: epochFileHash(previous),
  previousFileUrl: '/api/epochs/2.jsonl',
};
const check = (d: AttestationDuty, t: string, who = BOB, before = previous) => checkEpochFile(d, t, who, before, NOW);

describe('checkEpochFile', () => {
  test('default: the file the coordinator wrote holds for the chain, its weights and its own leaf', () => {
    expect(check(duty, text)).toEqual([]);
    // Idle two weeks, Alice keeps a quarter of her weight; Bob a quarter of his plus his new credit.
    expect(tree.leaves.map(([a, , , w]) => [a, w])).toEqual([
      [BOB, 3n * COP],
      [ALICE, 5n * COP],
    ]);
  });

  test('error: a tampered weight is refused, though the file rebuilds its own root (the page dissents)', () => {
    // The poster favours Alice: her weight as if she had kept computing. The file is self-consistent.
    const forged = buildEpochTree([
      { address: ALICE, credit: 30n * COP, weight: 20n * COP },
      { address: BOB, credit: 12n * COP, weight: 3n * COP },
    ]);
    const forgedText = epoch3(forged.leaves.map(([address, credit, , weight]) => ({ address, credit, weight })));
    const forgedBob = forged.leaves.find(([a]) => a === BOB)!;
    const forgedDuty = {
      ...duty,
      root: forged.root,
      fileHash: epochFileHash(forgedText),
      totalWeight: String(forged.totalWeight),
      offset: String(forgedBob[2]),
    };
    expect(check(forgedDuty, forgedText)).toEqual([`${ALICE}'s weight is ${20n * COP}, not ${5n * COP}`]);
  });

  test('error: a previous file that is not the one on chain, or none, is refused', () => {
    expect(check(duty, text, BOB, `${previous}\n`)).toEqual([
      'the previous epoch file is not the one whose hash is on chain',
    ]);
    expect(checkEpochFile(duty, text, BOB, undefined, NOW)).toEqual([
      'the previous epoch file is not the one whose hash is on chain',
    ]);
    expect(check({ ...duty, previousFileHash: NO_PREVIOUS_FILE }, text)).toEqual([
      'its header names another previous epoch file than the chain',
    ]);
  });

  test('error: weights cut in the future are refused (they would decay every older weight early)', () => {
    expect(checkEpochFile(duty, text, BOB, previous, (CUT_3 - 7200) * 1000)).toEqual([
      `its weights are cut at ${CUT_3}, in the future`,
    ]);
  });

  test('error: a file that is not the one whose hash is on chain', () => {
    expect(check(duty, `${text}\n`)).toEqual(['the epoch file is not the one whose hash is on chain']);
  });

  test('error: a file whose leaves do not make the proposed root and total', () => {
    const other = epoch3(
      weighed([
        { address: ALICE, credit: 31n * COP },
        { address: BOB, credit: 12n * COP },
      ]),
    );
    const problems = check({ ...duty, fileHash: epochFileHash(other) }, other);
    expect(problems).toHaveLength(3);
    expect(problems[0]).toMatch(/not the proposed one/);
    expect(problems[1]).toMatch(/not the proposed total/);
    expect(problems[2]).toMatch(/not the proposed total weight/);
  });

  test("error: the attester's own leaf missing or not the one the draw used", () => {
    expect(check(duty, text, getAddress('0x90f79bf6eb2c4f870365e785982e1f101e93b906'))).toEqual([
      'this volunteer has no leaf in it',
    ]);
    expect(check({ ...duty, weight: String(4n * COP) }, text)).toEqual([
      "this volunteer's leaf is not the one the draw used",
    ]);
    expect(check({ ...duty, credit: String(40n * COP) }, text)).toEqual([
      "this volunteer's leaf is not the one the draw used",
    ]);
  });

  test('error: a file that is not JSON lines', () => {
    const garbage = 'header\nnot json\n';
    expect(check({ ...duty, fileHash: epochFileHash(garbage) }, garbage)[0]).toMatch(/cannot be read/);
  });
});
