import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { openStore } from '../store/open-store.ts';
import type { Stores } from '../store/stores.ts';
import type { BatchProgress } from '../store/chain.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import { marketSettler } from './market-settler.ts';
import { finalEpoch, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

const COP = 10n ** 18n;
let chain: TestChain;
let dir: string;
let stores: Stores;

beforeAll(async () => {
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'terraflop-market-'));
  stores = await openStore({ kind: 'sqlite', dataDir: dir });
  // The requester (account 1) earned 200 COP as a volunteer, a squatter (account 2) 10.
  const t = buildEpochTree([
    { address: chain.as(1).account.address, credit: 200n * COP },
    { address: chain.as(2).account.address, credit: 10n * COP },
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
afterAll(async () => {
  await stores?.close();
  await chain?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cop = (functionName: 'totalSupply') =>
  chain.as(0).publicClient.readContract({ address: chain.deployment.cop, abi: copAbi, functionName });
const balance = () =>
  chain.as(0).publicClient.readContract({
    address: chain.deployment.cop,
    abi: copAbi,
    functionName: 'balanceOf',
    args: [chain.as(1).account.address],
  });
async function open(batchId: bigint, amount: bigint, as = 1) {
  const { market, cop } = chain.deployment;
  await writeAndWait(chain.as(as), { address: cop, abi: copAbi, functionName: 'approve', args: [market, amount] });
  await writeAndWait(chain.as(as), {
    address: market,
    abi: computeMarketAbi,
    functionName: 'open',
    args: [batchId, amount],
  });
}

describe('market settler', () => {
  test(
    'default: burns as settled credit grows, ' + 'closes and refunds when the batch is finished, never twice',
    async () => {
      const payer = chain.as(1).account.address.toLowerCase();
      const progress = new Map<number, BatchProgress>([[7, { credit: 0, finished: false, payer }]]);
      const make = () =>
        marketSettler({
          clients: chain.as(0),
          market: chain.deployment.market,
          fromBlock: BigInt(chain.deployment.block),
          records: stores.chain,
          batchProgress: async (ids) =>
            new Map(ids.flatMap((id) => (progress.has(id) ? [[id, progress.get(id)!] as const] : []))),
        });
      let settler = make();
      await open(7n, 1n, 2); // a squatter's escrow under the same batch id, opened first: never settled
      await open(7n, 100n * COP);
      await open(8n, 5n * COP); // a batch this coordinator does not know: left alone
      expect(await settler.runOnce()).toBe(0); // no credit yet
      progress.set(7, { credit: 10.5, finished: false, payer });
      expect(await settler.runOnce()).toBe(1);
      expect(await cop('totalSupply')).toBe(210n * COP - 10n * COP - COP / 2n);
      expect(await settler.runOnce()).toBe(0); // same credit: nothing to burn

      settler = make(); // a restart: the cursor and the batches seen are kept, the chain is read again
      progress.set(7, { credit: 25, finished: true, payer });
      expect(await settler.runOnce()).toBe(1);
      expect(await cop('totalSupply')).toBe(185n * COP);
      expect(await balance()).toBe(200n * COP - 25n * COP - 5n * COP); // 75 refunded; batch 8's 5 still in escrow
      expect(await settler.runOnce()).toBe(0);

      const squatted = await chain.as(0).publicClient.readContract({
        address: chain.deployment.market,
        abi: computeMarketAbi,
        functionName: 'batches',
        args: [chain.as(2).account.address, 7n],
      });
      expect(squatted).toMatchObject({ closed: false, burned: 0n, escrow: 1n });

      // A requester's cancel: the credit validated so far (1.5 credits) is settled, then the rest refunded.
      progress.set(9, { credit: 1.5, finished: false, payer });
      await open(9n, 3n * COP);
      await writeAndWait(chain.as(1), {
        address: chain.deployment.market,
        abi: computeMarketAbi,
        functionName: 'cancel',
        args: [9n],
      });
      expect(await settler.runOnce()).toBe(1);
      expect(await balance()).toBe(200n * COP - 25n * COP - 5n * COP - 1n * COP - COP / 2n);
      expect(await settler.runOnce()).toBe(0);
      // No payer named (the demo's batches): an escrow for it is left alone.
      progress.set(10, { credit: 1, finished: true, payer: null });
      await open(10n, 1n * COP);
      expect(await settler.runOnce()).toBe(0);
    },
  );
});
