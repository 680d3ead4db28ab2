import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { ATTESTATION_TYPES, type AttestationDuty, attestationDomain } from '../../protocol/chain.ts';
import { checkEpochFile } from '../../web/volunteer/attester/check-epoch.ts';
import { epochFileHash, NO_PREVIOUS_FILE, renderEpochFile } from '../epochs/epoch-file.ts';
import {
  buildEpochTree,
  type Credit,
  drawnSlots,
  leafAtPoint,
  type EpochTree,
  seatingOf,
} from '../epochs/epoch-tree.ts';
import { nextWeight, previousEpoch } from '../epochs/stake-weight.ts';
import { mine, startTestChain, type TestChain } from './testing.ts';
import { verifyEpoch } from './verify-epoch.ts';
import { writeAndWait } from './write-and-wait.ts';

// A poster that writes weights of its own choosing (a self-consistent file: its root, totals and offsets hold) is
// found out by the drawn attester, which recomputes every weight from the previous epoch's file as the page does
// (check-epoch.ts), and its dissent freezes the epoch on the ledger. 5 slots, 3 agreeing make an epoch final.
const RULES = { attesters: 5, quorum: 3, drawDelay: 2n, challengeWindow: 1_000n, attesterShareBps: 0 };
const COP = 10n ** 18n;
const CUT_1 = 1_700_000_000;
const CUT_2 = CUT_1 + 14 * 86_400;
let chain: TestChain;
const volunteers = Array.from({ length: 4 }, () => privateKeyToAccount(generatePrivateKey()));

beforeAll(async () => {
  chain = await startTestChain({ rules: RULES });
}, 60_000);
afterAll(() => chain?.stop());

const ledger = () => chain.deployment.ledger;
const call = { abi: creditLedgerAbi } as const;

interface Built {
  tree: EpochTree;
  text: string;
  fileHash: Hex;
}

function epochFile(epoch: number, credits: Credit[], cutAt: number, previousFileHash: Hex): Built {
  const tree = buildEpochTree(credits);
  const text = renderEpochFile(epoch, tree, { cutAt, previousFileHash });
  return { tree, text, fileHash: epochFileHash(text) };
}

/** The poster proposes the epoch; the seed block passes and the draw is fixed. */
async function propose(epoch: bigint, b: Built): Promise<Hex> {
  await writeAndWait(chain.as(0), {
    ...call,
    address: ledger(),
    functionName: 'proposeEpoch',
    args: [epoch, b.tree.root, b.fileHash, b.tree.total, b.tree.totalWeight],
  });
  await mine(chain, Number(RULES.drawDelay) + 1);
  await writeAndWait(chain.as(0), { ...call, address: ledger(), functionName: 'drawSeed', args: [epoch] });
  return (
    await chain.as(0).publicClient.readContract({ ...call, address: ledger(), functionName: 'epochs', args: [epoch] })
  ).seed;
}

/** What the coordinator's route tells leaf `index`'s page about epoch 2. */
function dutyOf(b: Built, seed: Hex, index: number, previousFileHash: Hex): AttestationDuty {
  const [, credit, offset, weight] = b.tree.leaves[index]!;
  return {
    epoch: 2,
    root: b.tree.root,
    fileHash: b.fileHash,
    totalCredit: String(b.tree.total),
    totalWeight: String(b.tree.totalWeight),
    chainId: chain.deployment.chainId,
    ledger: ledger(),
    slots: drawnSlots(seed, b.tree.totalWeight, RULES.attesters, { offset, weight }),
    credit: String(credit),
    offset: String(offset),
    weight: String(weight),
    fileUrl: '/api/epochs/2.jsonl',
    previousFileHash,
    previousFileUrl: '/api/epochs/1.jsonl',
  };
}

describe('stake weights an attester checks', () => {
  test('behavior: a tampered weight is dissented by the drawn attester and the epoch freezes', async () => {
    const [a, b, c, d] = volunteers.map((v) => v.address) as [Hex, Hex, Hex, Hex];
    const first = epochFile(
      1,
      [a, b, c, d].map((address) => ({ address, credit: 10n * COP })),
      CUT_1,
      NO_PREVIOUS_FILE,
    );
    await propose(1n, first);
    // Two weeks on, a and b earned 10 more credit, c and d none: the rule gives c and d a quarter of their weight.
    const credit2 = { [a]: 20n * COP, [b]: 20n * COP, [c]: 10n * COP, [d]: 10n * COP };
    const prior = previousEpoch(CUT_1, first.tree.leaves);
    const honest = Object.entries(credit2).map(([address, credit]) => ({
      address,
      credit,
      weight: nextWeight(prior, CUT_2, address, credit),
    }));
    expect(honest.map((h) => h.weight)).toEqual([12.5, 12.5, 2.5, 2.5].map((w) => BigInt(w * 4) * (COP / 4n)));
    // The poster keeps d's weight as if it were cumulative credit: d would hold most of the draw.
    const tampered = honest.map((h) => (h.address === d ? { ...h, weight: 40n * COP } : h));
    const second = epochFile(2, tampered, CUT_2, first.fileHash);
    const seed = await propose(2n, second);

    const points = await chain.as(0).publicClient.readContract({
      ...call,
      address: ledger(),
      functionName: 'attesterPoints',
      args: [2n, 1n],
    });
    const index = leafAtPoint(second.tree.leaves, points[0]!);
    const attester = volunteers.find((v) => v.address === second.tree.leaves[index]![0])!;
    const duty = dutyOf(second, seed, index, first.fileHash);
    expect(duty.slots).toContain(0);
    const now = (CUT_2 + 60) * 1000;
    const problems = checkEpochFile(duty, second.text, attester.address, first.text, now);
    expect(problems).toEqual([
      `${second.tree.leaves.find(([x]) => x === d)![0]}'s weight is ${40n * COP}, not ${(10n * COP) / 4n}`,
    ]);
    // The honest file of the same credit would have passed the same check.
    const fair = epochFile(2, honest, CUT_2, first.fileHash);
    const fairIndex = fair.tree.leaves.findIndex(([x]) => x === attester.address);
    expect(
      checkEpochFile(dutyOf(fair, seed, fairIndex, first.fileHash), fair.text, attester.address, first.text, now),
    ).toEqual([]);

    const sign = (previousFileHash: Hex) =>
      attester.signTypedData({
        domain: attestationDomain(chain.deployment.chainId, ledger()),
        types: ATTESTATION_TYPES,
        primaryType: 'Attestation',
        message: {
          epoch: 2n,
          root: second.tree.root,
          fileHash: second.fileHash,
          totalCredit: second.tree.total,
          totalWeight: second.tree.totalWeight,
          previousFileHash,
          agree: false,
        },
      });
    const s = seatingOf(second.tree, seed, RULES.attesters);
    await writeAndWait(chain.as(0), {
      ...call,
      address: ledger(),
      functionName: 'seatDraw',
      args: [2n, s.leaves, s.proof, s.proofFlags, s.slotLeaf],
    });
    const relay = async (signature: Hex) =>
      writeAndWait(chain.as(0), {
        ...call,
        address: ledger(),
        functionName: 'attest',
        args: [2n, 0n, false, signature],
      });
    // A signature over another previous file than the chain's recovers nobody drawn: the ledger names its own.
    await expect(relay(await sign(NO_PREVIOUS_FILE))).rejects.toThrow(/WrongSigner/);
    await relay(await sign(first.fileHash));
    const e = await chain
      .as(0)
      .publicClient.readContract({ ...call, address: ledger(), functionName: 'epochs', args: [2n] });
    expect(e.status).toBe(3); // frozen

    // Anyone can find the same with the two files and the chain (npm run verify-epoch).
    const client = chain.as(0).publicClient;
    expect(await verifyEpoch(client, { ledger: ledger(), text: first.text })).toMatchObject({
      ok: true,
      weightsChecked: true,
    });
    const verdict = await verifyEpoch(client, { ledger: ledger(), text: second.text, previous: first.text });
    expect(verdict).toMatchObject({ ok: false, weightsChecked: true, problems: problems });
    expect(await verifyEpoch(client, { ledger: ledger(), text: second.text })).toMatchObject({
      ok: true,
      weightsChecked: false,
    });
    const elsewhere = await verifyEpoch(client, { ledger: ledger(), text: second.text, previous: `${first.text}\n` });
    expect(elsewhere.problems[0]).toMatch(/is not the chain's and the header's/);
  });
});
