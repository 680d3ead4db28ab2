import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keccak256, toHex, type Hex } from 'viem';
import { copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { buildEpochTree, type EpochTree } from '../epochs/epoch-tree.ts';
import { LEDGER_RULES } from './deploy.ts';
import { passTime, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

let chain: TestChain;
beforeAll(async () => {
  chain = await startTestChain();
}, 60_000);
afterAll(() => chain?.stop());

const COP = 10n ** 18n;
const alice = () => chain.as(1).account.address;
const bob = () => chain.as(2).account.address;

function post(epoch: bigint, t: EpochTree, as = 0) {
  return writeAndWait(chain.as(as), {
    address: chain.deployment.ledger,
    abi: creditLedgerAbi,
    functionName: 'proposeEpoch',
    args: [epoch, t.root, keccak256(toHex(`epoch ${epoch}`)), t.total, t.totalWeight],
  });
}

/** The challenge window passes undisputed: the epoch becomes final. */
async function makeFinal(epoch: bigint) {
  await passTime(chain.as(0), LEDGER_RULES.challengeWindow);
  await writeAndWait(chain.as(2), {
    address: chain.deployment.ledger,
    abi: creditLedgerAbi,
    functionName: 'finalize',
    args: [epoch],
  });
}

function claim(epoch: bigint, t: EpochTree, who: number, as = who, override?: { credit?: bigint; proof?: Hex[] }) {
  const index = t.leaves.findIndex(([a]) => a === chain.as(who).account.address);
  const [account, credit, offset, weight] = t.leaves[index]!;
  return writeAndWait(chain.as(as), {
    address: chain.deployment.ledger,
    abi: creditLedgerAbi,
    functionName: 'claim',
    args: [
      epoch,
      account,
      override?.credit ?? credit,
      offset,
      weight,
      override?.proof ?? (t.tree.getProof(index) as Hex[]),
    ],
  });
}

const balance = (address: `0x${string}`) =>
  chain.as(0).publicClient.readContract({
    address: chain.deployment.cop,
    abi: copAbi,
    functionName: 'balanceOf',
    args: [address],
  });

describe('CreditLedger and COP', () => {
  test('error: only the ledger mints COP', async () => {
    for (const who of [0, 1]) {
      await expect(
        writeAndWait(chain.as(who), {
          address: chain.deployment.cop,
          abi: copAbi,
          functionName: 'mint',
          args: [alice(), COP],
        }),
      ).rejects.toThrow(/NotMinter/);
    }
    const minter = await chain
      .as(0)
      .publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName: 'minter' });
    expect(minter).toBe(chain.deployment.ledger);
  });

  test('default: epochs in order, claims of the difference, replays and bad proofs refused', async () => {
    const e1 = buildEpochTree([
      { address: alice(), credit: 5n * COP },
      { address: bob(), credit: 2n * COP },
    ]);
    await expect(post(2n, e1)).rejects.toThrow(/EpochOutOfOrder/);
    await expect(post(1n, e1, 1)).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await post(1n, e1);
    await expect(post(1n, e1)).rejects.toThrow(/EpochOutOfOrder/);
    // Proposed is not final: no claim yet, and the window must pass first.
    await expect(claim(1n, e1, 1, 2)).rejects.toThrow(/NotFinal/);
    await expect(
      writeAndWait(chain.as(2), {
        address: chain.deployment.ledger,
        abi: creditLedgerAbi,
        functionName: 'finalize',
        args: [1n],
      }),
    ).rejects.toThrow(/WindowOpen/);
    await makeFinal(1n);

    // Bob submits Alice's claim: the COP still goes to Alice.
    await claim(1n, e1, 1, 2);
    expect(await balance(alice())).toBe(5n * COP);
    await expect(claim(1n, e1, 1)).rejects.toThrow(/NothingToClaim/);
    await expect(claim(1n, e1, 2, 2, { credit: 3n * COP })).rejects.toThrow(/InvalidProof/);
    await expect(claim(1n, e1, 2, 2, { proof: [] })).rejects.toThrow(/InvalidProof/);
    await expect(claim(7n, e1, 2)).rejects.toThrow(/NotFinal/);

    const e2 = buildEpochTree([
      { address: alice(), credit: 8n * COP },
      { address: bob(), credit: 2n * COP },
    ]);
    await post(2n, e2);
    await expect(claim(2n, e2, 1)).rejects.toThrow(/NotFinal/);
    await makeFinal(2n);
    // A proof against the new root does not verify against the old one.
    await expect(claim(1n, e2, 1)).rejects.toThrow(/InvalidProof/);
    await claim(2n, e2, 1);
    expect(await balance(alice())).toBe(8n * COP);
    await claim(1n, e1, 2); // an older epoch's proof still pays what it proves
    await expect(claim(2n, e2, 2)).rejects.toThrow(/NothingToClaim/);
    expect(await balance(bob())).toBe(2n * COP);

    const read = chain.as(0).publicClient.readContract;
    const supply = await read({ address: chain.deployment.cop, abi: copAbi, functionName: 'totalSupply' });
    expect(supply).toBe(10n * COP);
    const stake = await read({
      address: chain.deployment.ledger,
      abi: creditLedgerAbi,
      functionName: 'stakeOf',
      args: [alice()],
    });
    expect(stake).toBe(8n * COP);
    const latest = await read({ address: chain.deployment.ledger, abi: creditLedgerAbi, functionName: 'latestEpoch' });
    expect(latest).toBe(2n);
    const posted = await read({
      address: chain.deployment.ledger,
      abi: creditLedgerAbi,
      functionName: 'epochs',
      args: [2n],
    });
    expect(posted.root).toBe(e2.root);
    expect(posted.totalCredit).toBe(10n * COP);
  });
});
