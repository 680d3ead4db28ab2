import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { keccak256, toHex, type Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import { startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

let chain: TestChain;
const COP = 10n ** 18n;

// The requester (account 1) earns 100 COP as a volunteer, then pays for compute with it.
beforeAll(async () => {
  chain = await startTestChain();
  const t = buildEpochTree([{ address: chain.as(1).account.address, credit: 100n * COP }]);
  const { ledger } = chain.deployment;
  await writeAndWait(chain.as(0), {
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'postEpoch',
    args: [1n, t.root, keccak256(toHex('f')), t.total],
  });
  const [account, credit, offset] = t.leaves[0]!;
  await writeAndWait(chain.as(1), {
    address: ledger,
    abi: creditLedgerAbi,
    functionName: 'claim',
    args: [1n, account, credit, offset, t.tree.getProof(0) as Hex[]],
  });
}, 60_000);
afterAll(() => chain?.stop());

const market = () => chain.deployment.market;
const copBalance = (a: `0x${string}`) =>
  chain
    .as(0)
    .publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName: 'balanceOf', args: [a] });
const supply = () =>
  chain.as(0).publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName: 'totalSupply' });

async function open(batchId: bigint, amount: bigint) {
  await writeAndWait(chain.as(1), {
    address: chain.deployment.cop,
    abi: copAbi,
    functionName: 'approve',
    args: [market(), amount],
  });
  await writeAndWait(chain.as(1), {
    address: market(),
    abi: computeMarketAbi,
    functionName: 'open',
    args: [batchId, amount],
  });
}
const settle = (batchId: bigint, credit: bigint, as = 0) =>
  writeAndWait(chain.as(as), {
    address: market(),
    abi: computeMarketAbi,
    functionName: 'settle',
    args: [batchId, credit],
  });

describe('ComputeMarket', () => {
  test('default: escrow, burn for the credit done, refund the rest on close', async () => {
    const requester = chain.as(1).account.address;
    // Price: 0.5 COP per credit.
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'setPrice',
      args: [COP / 2n],
    });
    await open(1n, 30n * COP);
    expect(await copBalance(requester)).toBe(70n * COP);
    expect(await copBalance(market())).toBe(30n * COP);

    await settle(1n, 10n * COP); // 10 credits: 5 COP burned
    expect(await supply()).toBe(95n * COP);
    await settle(1n, 10n * COP + 3n); // 3 wei of credit at 0.5: 1 wei more burned, rounded down
    await expect(settle(1n, 9n * COP)).rejects.toThrow(/CreditWentBack/);
    await expect(settle(1n, 20n * COP, 1)).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'close',
      args: [1n, 24n * COP],
    });
    // 24 credits at 0.5 COP: 12 burned in all, 18 refunded.
    expect(await supply()).toBe(88n * COP);
    expect(await copBalance(requester)).toBe(88n * COP);
    expect(await copBalance(market())).toBe(0n);
    const b = await chain
      .as(0)
      .publicClient.readContract({ address: market(), abi: computeMarketAbi, functionName: 'batches', args: [1n] });
    expect(b).toMatchObject({ closed: true, burned: 12n * COP, settledCredit: 24n * COP, price: COP / 2n });
    await expect(settle(1n, 30n * COP)).rejects.toThrow(/BatchIsClosed/);
  });

  test('behavior: burning stops at the escrow; a cancel refunds what is not burned', async () => {
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'setPrice',
      args: [2n * COP],
    });
    await open(2n, 10n * COP);
    await expect(open(2n, 1n)).rejects.toThrow(/BatchExists/);
    await settle(2n, 3n * COP); // 6 COP burned
    await expect(
      writeAndWait(chain.as(2), { address: market(), abi: computeMarketAbi, functionName: 'cancel', args: [2n] }),
    ).rejects.toThrow(/NotRequesterOrSettler/);
    await writeAndWait(chain.as(1), { address: market(), abi: computeMarketAbi, functionName: 'cancel', args: [2n] });
    expect(await copBalance(chain.as(1).account.address)).toBe(88n * COP - 6n * COP);
    expect(await supply()).toBe(82n * COP);

    await open(3n, 4n * COP);
    await settle(3n, 100n * COP); // owes 200 COP, escrow holds 4: burn 4, no more
    expect(await supply()).toBe(78n * COP);
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'close',
      args: [3n, 100n * COP],
    });
    expect(await copBalance(market())).toBe(0n);
    await expect(settle(9n, 1n)).rejects.toThrow(/UnknownBatch/);
    await expect(open(4n, 0n)).rejects.toThrow(/ZeroEscrow/);
  });
});
