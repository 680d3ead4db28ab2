import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { numberToHex, type Address, type Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import { finalEpoch, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

let chain: TestChain;
const COP = 10n ** 18n;

// The requester (account 1) and a squatter (account 2) earn 100 COP each as volunteers; the requester then pays for
// compute with its COP.
beforeAll(async () => {
  chain = await startTestChain();
  const t = buildEpochTree([
    { address: chain.as(1).account.address, credit: 100n * COP },
    { address: chain.as(2).account.address, credit: 100n * COP },
  ]);
  const { ledger } = chain.deployment;
  await finalEpoch(chain, 1n, t);
  for (const [i, [account, credit, offset, weight]] of t.leaves.entries())
    await writeAndWait(chain.as(1), {
      address: ledger,
      abi: creditLedgerAbi,
      functionName: 'claim',
      args: [1n, account, credit, offset, weight, t.tree.getProof(i) as Hex[]],
    });
}, 60_000);
afterAll(() => chain?.stop());

const market = () => chain.deployment.market;
const requester = () => chain.as(1).account.address;
const copBalance = (a: `0x${string}`) =>
  chain
    .as(0)
    .publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName: 'balanceOf', args: [a] });
const supply = () =>
  chain.as(0).publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName: 'totalSupply' });
const batch = (batchId: bigint, who: Address = requester()) =>
  chain.as(0).publicClient.readContract({
    address: market(),
    abi: computeMarketAbi,
    functionName: 'batches',
    args: [who, batchId],
  });

async function open(batchId: bigint, amount: bigint, as = 1) {
  await writeAndWait(chain.as(as), {
    address: chain.deployment.cop,
    abi: copAbi,
    functionName: 'approve',
    args: [market(), amount],
  });
  await writeAndWait(chain.as(as), {
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
    args: [requester(), batchId, credit],
  });
const close = (batchId: bigint, credit: bigint) =>
  writeAndWait(chain.as(0), {
    address: market(),
    abi: computeMarketAbi,
    functionName: 'close',
    args: [requester(), batchId, credit],
  });
const requesterCalls = (functionName: 'cancel' | 'withdraw', batchId: bigint, as = 1) =>
  writeAndWait(chain.as(as), { address: market(), abi: computeMarketAbi, functionName, args: [batchId] });

describe('ComputeMarket', () => {
  test('default: escrow, burn for the credit done, refund the rest on close', async () => {
    // Price: 0.5 COP per credit.
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'setPrice',
      args: [COP / 2n],
    });
    await open(1n, 30n * COP);
    expect(await copBalance(requester())).toBe(70n * COP);
    expect(await copBalance(market())).toBe(30n * COP);

    await settle(1n, 10n * COP); // 10 credits: 5 COP burned
    expect(await supply()).toBe(195n * COP);
    await settle(1n, 10n * COP + 3n); // 3 wei of credit at 0.5: 1 wei more burned, rounded down
    await expect(settle(1n, 9n * COP)).rejects.toThrow(/CreditWentBack/);
    await expect(settle(1n, 20n * COP, 1)).rejects.toThrow(/AccessControlUnauthorizedAccount/);
    await close(1n, 24n * COP);
    // 24 credits at 0.5 COP: 12 burned in all, 18 refunded.
    expect(await supply()).toBe(188n * COP);
    expect(await copBalance(requester())).toBe(88n * COP);
    expect(await copBalance(market())).toBe(0n);
    expect(await batch(1n)).toMatchObject({
      requester: requester(),
      closed: true,
      burned: 12n * COP,
      settledCredit: 24n * COP,
      price: COP / 2n,
    });
    await expect(settle(1n, 30n * COP)).rejects.toThrow(/BatchIsClosed/);
  });

  test("behavior: a batch id is the requester's own: a squatter's escrow neither blocks nor pays", async () => {
    const squatter = chain.as(2).account.address;
    await open(5n, 1n, 2); // the squatter takes "the coordinator's next batch id" with 1 wei first
    await open(5n, 10n * COP); // the requester's own escrow under the same id opens all the same
    await expect(open(5n, 1n)).rejects.toThrow(/BatchExists/); // but not twice in one namespace
    expect((await batch(5n)).escrow).toBe(10n * COP);
    expect((await batch(5n, squatter)).escrow).toBe(1n);
    // Settling names the requester: the requester's escrow pays, the squatter's is untouched.
    await settle(5n, 2n * COP);
    expect((await batch(5n)).burned).toBe(COP);
    expect((await batch(5n, squatter)).burned).toBe(0n);
    await close(5n, 2n * COP);
  });

  test('behavior: after a cancel the credit validated so far is settled before anything is refunded', async () => {
    await writeAndWait(chain.as(0), {
      address: market(),
      abi: computeMarketAbi,
      functionName: 'setPrice',
      args: [2n * COP],
    });
    const before = await copBalance(requester());
    await open(2n, 10n * COP);
    await settle(2n, 1n * COP); // 2 COP burned
    await expect(requesterCalls('cancel', 2n, 2)).rejects.toThrow(/UnknownBatch/); // not the squatter's batch
    await expect(requesterCalls('withdraw', 2n)).rejects.toThrow(/NotCancelled/);
    await requesterCalls('cancel', 2n);
    const { refundableAt } = await batch(2n);
    expect(refundableAt).toBeGreaterThan(0n);
    // Too early to take the escrow back: the coordinator's grace period runs.
    await expect(requesterCalls('withdraw', 2n)).rejects.toThrow(/GraceNotOver/);
    // The credit validated up to the cancel (3 credits in all) is settled, then the rest is refunded.
    await close(2n, 3n * COP);
    expect(await copBalance(requester())).toBe(before - 6n * COP);
    await expect(requesterCalls('withdraw', 2n)).rejects.toThrow(/BatchIsClosed/);

    // A coordinator that never answers a cancel: after the grace period the requester takes back what is not burned.
    await open(3n, 4n * COP);
    await settle(3n, 100n * COP); // owes 200 COP, escrow holds 4: burn 4, no more
    await open(4n, 6n * COP);
    await settle(4n, 1n * COP); // 2 burned
    await requesterCalls('cancel', 4n);
    const { publicClient } = chain.as(0);
    await publicClient.request({ method: 'evm_increaseTime', params: [numberToHex(86_401)] } as never);
    await publicClient.request({ method: 'evm_mine', params: [] } as never);
    await requesterCalls('withdraw', 4n);
    expect(await copBalance(requester())).toBe(before - 6n * COP - 4n * COP - 2n * COP);
    await expect(settle(4n, 2n * COP)).rejects.toThrow(/BatchIsClosed/);
    await expect(settle(9n, 1n)).rejects.toThrow(/UnknownBatch/);
    await expect(open(7n, 0n)).rejects.toThrow(/ZeroEscrow/);
  });
});
