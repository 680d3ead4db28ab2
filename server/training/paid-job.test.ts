/**
 * A paying training job end to end on a real chain (issue 20, item 6): the requester escrows COP for the job's
 * batch through the ComputeMarket, the market settler burns COP as each round's validated credit settles, the escrow
 * stays open between rounds, and once the job is done the rest is refunded. The real store (SQLite), trainer,
 * passes and settler; only the volunteers are simulated (the reference kernel computes their units).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Hex } from 'viem';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { TrainingJobSubmission } from '../../protocol/training-job.ts';
import { loadMnist } from '../../worker-kernels/training/dataset.ts';
import { marketSettler } from '../chain/market-settler.ts';
import { finalEpoch, startTestChain, type TestChain } from '../chain/testing.ts';
import { writeAndWait } from '../chain/write-and-wait.ts';
import { buildEpochTree, creditToWei } from '../epochs/epoch-tree.ts';
import { openStore } from '../store/open-store.ts';
import type { Stores } from '../store/stores.ts';
import { drain } from '../testing/drain.ts';
import { honest } from '../testing/results.ts';
import { initialState } from './model-state.ts';
import { mnistOps } from './model-ops.ts';
import { trainer } from './trainer.ts';

const COP = 10n ** 18n;
const ESCROW = 50n * COP;
let chain: TestChain;
let dir: string;
let stores: Stores;

beforeAll(async () => {
  await loadMnist();
  chain = await startTestChain();
  dir = mkdtempSync(join(tmpdir(), 'terraflop-paid-job-'));
  stores = await openStore({ kind: 'sqlite', dataDir: dir });
  // The requester (account 1) holds 100 COP, earned as a volunteer in an earlier epoch.
  const t = buildEpochTree([{ address: chain.as(1).account.address, credit: 100n * COP }]);
  await finalEpoch(chain, 1n, t);
  const [account, credit, offset, weight] = t.leaves[0]!;
  await writeAndWait(chain.as(1), {
    address: chain.deployment.ledger,
    abi: creditLedgerAbi,
    functionName: 'claim',
    args: [1n, account, credit, offset, weight, t.tree.getProof(0) as Hex[]],
  });
}, 120_000);
afterAll(async () => {
  await stores?.close();
  await chain?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const read = <T>(functionName: string, address: Hex, abi: unknown, args: unknown[] = []) =>
  chain
    .as(0)
    .publicClient.readContract({ address, abi: abi as typeof copAbi, functionName, args } as never) as Promise<T>;

test('a paying job: COP burned round by round as its credit settles, the rest refunded when done', async () => {
  const requester = chain.as(1).account.address;
  const { market, cop } = chain.deployment;
  const { projectId } = await stores.research.createProject({
    name: 'lab',
    researcherName: 'ada',
    keyHash: 'h',
    now: 1,
  });
  await stores.chain.setTokenTerms('lab', { payer: requester });
  const submission = TrainingJobSubmission.parse({
    name: 'paid digits',
    model: { kind: 'mlp', hidden: 8 },
    rounds: 2,
    hyper: { unitsPerRound: 3, localSteps: 3, batchSize: 8, roundDeadlineS: 60, quorum: 0.6, maxStaleness: 0 },
  });
  const jobId = await stores.training.createJob({ projectId, submission, initial: initialState(submission), now: 1 });
  const { batchId } = (await stores.training.job(projectId, jobId))!;

  await writeAndWait(chain.as(1), { address: cop, abi: copAbi, functionName: 'approve', args: [market, ESCROW] });
  await writeAndWait(chain.as(1), {
    address: market,
    abi: computeMarketAbi,
    functionName: 'open',
    args: [BigInt(batchId), ESCROW],
  });
  const settler = marketSettler({
    clients: chain.as(0),
    market,
    fromBlock: BigInt(chain.deployment.block),
    records: stores.chain,
    batchProgress: (ids) => stores.chain.batchProgress(ids),
  });
  const price = await read<bigint>('pricePerCredit', market, computeMarketAbi);
  const escrow = () =>
    read<{ closed: boolean; burned: bigint; escrow: bigint }>('batches', market, computeMarketAbi, [
      requester,
      BigInt(batchId),
    ]);
  const supplyBefore = await read<bigint>('totalSupply', cop, copAbi);

  const hosts = await Promise.all([0, 1, 2].map((i) => stores.work.createHost({ volunteerName: `v${i}`, now: 1 })));
  // Never recompute here: the test is about payment, not about catching cheaters.
  const pass = trainer(stores.training, mnistOps, { random: () => 0.99 });
  const store = stores.work;
  let burned = 0n;
  for (let round = 0; round < 2; round++) {
    const now = 10 + round;
    for (let i = 0; i < 20 && (await pass(store, now)); i++) await drain(store, now, 0);
    for (const host of hosts)
      await store.recordResults(host, (await store.issueReplicas(host, 1, now)).map(honest), now);
    await drain(store, now, 0);
    const progress = (await stores.chain.batchProgress([batchId])).get(batchId)!;
    expect(progress.credit).toBeGreaterThan(0);
    expect(await settler.runOnce()).toBeGreaterThan(0);
    const onChain = await escrow();
    // Burned: exactly the settled credit at the escrow's price, cumulative, and more than after the last round.
    expect(onChain.burned).toBe((creditToWei(progress.credit) * price) / COP);
    expect(onChain.burned).toBeGreaterThan(burned);
    burned = onChain.burned;
    if (round === 0) expect(onChain.closed).toBe(false); // between rounds: no refund yet
  }
  for (let i = 0; i < 20 && (await pass(store, 20)); i++) await drain(store, 20, 0);
  expect((await stores.training.job(projectId, jobId))!.state).toBe('done');
  await settler.runOnce();
  expect(await escrow()).toMatchObject({ closed: true, burned });
  expect(await read<bigint>('totalSupply', cop, copAbi)).toBe(supplyBefore - burned);
  expect(await read<bigint>('balanceOf', cop, copAbi, [requester])).toBe(100n * COP - burned);
  expect(await settler.runOnce()).toBe(0); // nothing twice
}, 240_000);
