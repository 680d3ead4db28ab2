import { describe, expect, test } from 'vitest';
import { getAddress } from 'viem';
import type { AttestationDuty } from '../../../protocol/chain.ts';
import { epochFileHash, renderEpochFile } from '../../../server/epochs/epoch-file.ts';
import { buildEpochTree } from '../../../server/epochs/epoch-tree.ts';
import { checkEpochFile } from './check-epoch.ts';

const ALICE = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const BOB = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
const COP = 10n ** 18n;

const tree = buildEpochTree([
  { address: ALICE, credit: 30n * COP },
  { address: BOB, credit: 12n * COP },
]);
const text = renderEpochFile(3, tree);
const bobLeaf = tree.leaves.find(([a]) => a === BOB)!;
const duty: AttestationDuty = {
  epoch: 3,
  root: tree.root,
  fileHash: epochFileHash(text),
  totalCredit: String(tree.total),
  chainId: 31337,
  ledger: ALICE,
  slots: [0],
  credit: String(bobLeaf[1]),
  offset: String(bobLeaf[2]),
  fileUrl: '/api/epochs/3.jsonl',
};

describe('checkEpochFile', () => {
  test('default: the file the coordinator wrote holds for the chain and for its own leaf', () => {
    expect(checkEpochFile(duty, text, BOB)).toEqual([]);
  });

  test('error: a file that is not the one whose hash is on chain', () => {
    expect(checkEpochFile(duty, `${text}\n`, BOB)).toEqual(['the epoch file is not the one whose hash is on chain']);
  });

  test('error: a file whose leaves do not make the proposed root and total', () => {
    const other = renderEpochFile(
      3,
      buildEpochTree([
        { address: ALICE, credit: 31n * COP },
        { address: BOB, credit: 12n * COP },
      ]),
    );
    const problems = checkEpochFile({ ...duty, fileHash: epochFileHash(other) }, other, BOB);
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/not the proposed one/);
    expect(problems[1]).toMatch(/not the proposed total/);
  });

  test("error: the attester's own leaf missing or not the one the draw used", () => {
    expect(checkEpochFile(duty, text, getAddress('0x90f79bf6eb2c4f870365e785982e1f101e93b906'))).toEqual([
      'this volunteer has no leaf in it',
    ]);
    expect(checkEpochFile({ ...duty, credit: String(40n * COP) }, text, BOB)).toEqual([
      "this volunteer's leaf is not the one the draw used",
    ]);
  });

  test('error: a file that is not JSON lines', () => {
    const garbage = 'header\nnot json\n';
    expect(checkEpochFile({ ...duty, fileHash: epochFileHash(garbage) }, garbage, BOB)[0]).toMatch(/cannot be read/);
  });
});
