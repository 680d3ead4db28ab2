import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Address } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { chainPoster, type ChainPosterOptions } from './chain-poster.ts';
import { chainClients } from './clients.ts';
import { readEpochFile, parseEpochFile } from '../epochs/epoch-file.ts';
import { previousEpoch, weightProblems } from '../epochs/stake-weight.ts';
import type { EpochRecords } from '../store/chain.ts';
import { openStore } from '../store/open-store.ts';
import type { Stores } from '../store/stores.ts';
import { creditToWei } from '../epochs/epoch-tree.ts';
import { startFlakyRpc, type FlakyRpc } from './flaky-rpc.ts';
import { readEpoch, readLatestEpoch } from './read-ledger.ts';
import { DEV_KEYS, startTestChain, type TestChain } from './testing.ts';

let chain: TestChain;
let rpc: FlakyRpc;
let dir: string;
let credit: Array<{ address: Address; credit: number }>;
const opened: Stores[] = [];

beforeEach(async () => {
  chain = await startTestChain();
  rpc = await startFlakyRpc(chain.anvil.rpcUrl);
  dir = mkdtempSync(join(tmpdir(), 'terraflop-chain-'));
  credit = [
    { address: '0x00000000000000000000000000000000000000a1', credit: 12.5 },
    { address: '0x00000000000000000000000000000000000000b2', credit: 0.1 + 0.2 },
  ];
});
afterEach(async () => {
  for (const s of opened.splice(0)) await s.close();
  await rpc.close();
  await chain.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** A coordinator's poster as after a (re)start: a fresh connection to the same store, no memory. */
async function restart(extra: Partial<ChainPosterOptions> = {}, onRpcError?: (method: string, error: unknown) => void) {
  const stores = await openStore({ kind: 'sqlite', dataDir: dir });
  opened.push(stores);
  const state = stores.chain;
  const clients = chainClients({
    rpcUrl: rpc.url,
    chainId: chain.anvil.chainId,
    privateKey: DEV_KEYS[0]!,
    timeoutMs: 2_000,
    onRpcError,
  });
  const poster = chainPoster({
    clients,
    deployment: chain.deployment,
    records: state,
    settledCredit: async () => credit.map((c) => ({ ...c })),
    epochDir: join(dir, 'epochs'),
    epochIntervalMs: 1_000,
    log: () => {},
    ...extra,
  });
  return { state, poster };
}

const poster0 = () => chain.as(0).account.address;
const txCount = () => chain.as(0).publicClient.getTransactionCount({ address: poster0() });

/**
 * Every epoch the coordinator built is on chain exactly once, with its root, and the last one's sum is the
 * ledger's.
 */
async function expectExactlyOnce(state: EpochRecords, epochs: number) {
  const pc = chain.as(0).publicClient;
  const { ledger } = chain.deployment;
  expect(await readLatestEpoch(pc, { ledger })).toBe(epochs);
  const records = await state.epochs(ledger);
  expect(records.map((r) => r.epoch)).toEqual(Array.from({ length: epochs }, (_, i) => i + 1));
  for (const r of records) {
    expect(r.postedAt).not.toBeNull();
    expect((await readEpoch(pc, { ledger, epoch: r.epoch }))?.root).toBe(r.root);
  }
  const events = await pc.getContractEvents({
    address: ledger,
    abi: creditLedgerAbi,
    eventName: 'EpochProposed',
    fromBlock: 0n,
  });
  expect(events.map((e) => Number(e.args.epoch))).toEqual(records.map((r) => r.epoch));
  const { tree } = parseEpochFile(readEpochFile(join(dir, 'epochs'), epochs));
  const ledgerSum = credit.reduce((s, c) => s + creditToWei(c.credit), 0n);
  expect(tree.total).toBe(ledgerSum);
  expect((await readEpoch(pc, { ledger, epoch: epochs }))?.totalCredit).toBe(ledgerSum);
  // Each epoch's weights are what its previous epoch's file and its credit make, and its total weight is on chain.
  let previous: ReturnType<typeof previousEpoch> | undefined;
  for (let epoch = 1; epoch <= epochs; epoch++) {
    const { header, tree: t } = parseEpochFile(readEpochFile(join(dir, 'epochs'), epoch));
    expect(weightProblems(previous, header.cutAt, t.leaves)).toEqual([]);
    expect((await readEpoch(pc, { ledger, epoch }))?.totalWeight).toBe(t.totalWeight);
    previous = previousEpoch(header.cutAt, t.leaves);
  }
}

describe('chain poster', () => {
  test('default: an epoch when settled credit changes, none when it does not', async () => {
    const { state, poster } = await restart();
    expect(await poster.runOnce(10_000)).toBe(true);
    expect(await poster.runOnce(20_000)).toBe(false); // same credit: no epoch 2
    credit[0]!.credit += 1;
    expect(await poster.runOnce(20_000)).toBe(true);
    credit[0]!.credit += 1;
    expect(await poster.runOnce(20_500)).toBe(false); // too soon after epoch 2
    expect(await poster.runOnce(21_000)).toBe(true);
    await expectExactlyOnce(state, 3);
    // 12.5 + 2 and 0.1 + 0.2 (0.30000000000000004 as a double), each rounded down to a millionth of a credit.
    expect((await state.latestEpoch(chain.deployment.ledger))?.totalCredit).toBe(String(14_800_000n * 10n ** 12n));
  });

  test('behavior: weights follow recent credit: two weeks idle keep a quarter; decay alone is no epoch', async () => {
    const { state, poster } = await restart();
    const twoWeeksMs = 14 * 86_400_000;
    expect(await poster.runOnce(10_000)).toBe(true);
    expect(await poster.runOnce(10_000 + twoWeeksMs / 2)).toBe(false); // weights decayed, credit the same: no epoch
    credit[0]!.credit += 1;
    expect(await poster.runOnce(10_000 + twoWeeksMs)).toBe(true);
    await expectExactlyOnce(state, 2);
    const leaves = (epoch: number) => parseEpochFile(readEpochFile(join(dir, 'epochs'), epoch)).tree.leaves;
    const [a1, b1] = leaves(1);
    const [a2, b2] = leaves(2);
    expect(b2![3]).toBe(b1![3] / 4n); // idle for two weeks
    expect(a2![3]).toBe(a1![3] / 4n + creditToWei(1)); // a quarter, plus what it earned since
    expect(a2![1]).toBe(a1![1] + creditToWei(1)); // while the claim still pays cumulative credit
  });

  test('behavior: the RPC down delays the epoch; it goes out once the RPC is back', async () => {
    const failed: string[] = [];
    const posted: number[] = [];
    const { state, poster } = await restart({ onPosted: (e) => posted.push(e) }, (method, e) =>
      failed.push(`${method} ${(e as Error).name}`),
    );
    rpc.mode = 'down';
    await expect(poster.runOnce(10_000)).rejects.toThrow();
    // The metrics hear each failed request by method and error name, and nothing posted.
    expect(failed).toContain('eth_call HttpRequestError');
    expect(posted).toEqual([]);
    const built = await state.latestEpoch(chain.deployment.ledger);
    expect(built).toMatchObject({ epoch: 1, postedAt: null });
    expect(built?.lastError).toBeTruthy();
    await expect(poster.runOnce(11_000)).rejects.toThrow(); // still down: still one epoch, still unposted
    expect(await state.epochs(chain.deployment.ledger)).toHaveLength(1);
    rpc.mode = 'up';
    const failures = failed.length;
    expect(await poster.runOnce(12_000)).toBe(true);
    await expectExactlyOnce(state, 1);
    expect(posted).toEqual([1]);
    expect(failed).toHaveLength(failures);
  });

  test(
    'behavior: the RPC goes down mid-post, after the node took the transaction; ' + 'the restart sends nothing again',
    async () => {
      const before = await txCount();
      const first = await restart();
      rpc.mode = 'lose-send-reply';
      await expect(first.poster.runOnce(10_000)).rejects.toThrow();
      expect(await first.state.latestEpoch(chain.deployment.ledger)).toMatchObject({
        epoch: 1,
        postedAt: null,
        attempts: 0,
      });
      rpc.mode = 'up';
      const { state, poster } = await restart();
      expect(await poster.runOnce(11_000)).toBe(true);
      expect(await txCount()).toBe(before + 1);
      expect(rpc.sends).toBe(1);
      await expectExactlyOnce(state, 1);
    },
  );

  test('behavior: killed between building and posting, the restart posts the epoch it built', async () => {
    const crash = await restart({
      onStep: (s) => {
        if (s === 'built') throw new Error('killed');
      },
    });
    await expect(crash.poster.runOnce(10_000)).rejects.toThrow('killed');
    credit[1]!.credit = 5; // credit moves on while the coordinator is down
    const { state, poster } = await restart();
    expect(await poster.runOnce(10_100)).toBe(true); // posts epoch 1 as built, builds nothing yet
    expect((await state.latestEpoch(chain.deployment.ledger))?.epoch).toBe(1);
    expect(await poster.runOnce(20_000)).toBe(true); // epoch 2 with the new credit
    await expectExactlyOnce(state, 2);
  });

  test('behavior: killed after sending, before the receipt, the restart finds the epoch on chain', async () => {
    const before = await txCount();
    const crash = await restart({
      onStep: (s) => {
        if (s === 'sent') throw new Error('killed');
      },
    });
    await expect(crash.poster.runOnce(10_000)).rejects.toThrow('killed');
    const { state, poster } = await restart();
    expect(await poster.runOnce(10_100)).toBe(true);
    expect(await txCount()).toBe(before + 1);
    await expectExactlyOnce(state, 1);
  });

  for (const step of ['built', 'sent'] as const) {
    const killed = `behavior: SIGKILLed after the epoch was ${step}`;
    test(`${killed}, the restarted poster leaves it on chain exactly once`, async () => {
      const before = await txCount();
      const child = spawnSync(
        process.execPath,
        [
          join(import.meta.dirname, 'crash-child.ts'),
          chain.anvil.rpcUrl,
          String(chain.anvil.chainId),
          chain.deployment.ledger,
          dir,
          step,
          JSON.stringify(credit),
        ],
        { encoding: 'utf8', timeout: 20_000 },
      );
      expect(child.signal, child.stderr).toBe('SIGKILL');
      expect(await txCount()).toBe(before + (step === 'sent' ? 1 : 0));
      const { state, poster } = await restart();
      expect(await state.latestEpoch(chain.deployment.ledger)).toMatchObject({ epoch: 1, postedAt: null });
      expect(await poster.runOnce(10_100)).toBe(true);
      expect(await txCount()).toBe(before + 1);
      await expectExactlyOnce(state, 1);
    });
  }

  test('behavior: a chain restored from an older state gets its lost epochs again, in order', async () => {
    const { state, poster } = await restart();
    const snapshot = await chain.as(0).publicClient.request({ method: 'evm_snapshot' } as never);
    await poster.runOnce(10_000);
    credit[0]!.credit = 50;
    await poster.runOnce(20_000);
    await chain.as(0).publicClient.request({ method: 'evm_revert', params: [snapshot] } as never);
    expect(await readLatestEpoch(chain.as(0).publicClient, { ledger: chain.deployment.ledger })).toBe(0);
    while (await poster.runOnce(21_000));
    await expectExactlyOnce(state, 2);
  });

  test('behavior: as a pass it never waits on the RPC and reports a round that did work', async () => {
    const { state, poster } = await restart();
    rpc.mode = 'down';
    expect(await poster.pass(undefined as never, 10_000)).toBe(false);
    await poster.idle();
    rpc.mode = 'up';
    expect(await poster.pass(undefined as never, 11_000)).toBe(false);
    await poster.idle();
    expect(await poster.pass(undefined as never, 11_100)).toBe(true);
    await poster.idle();
    await expectExactlyOnce(state, 1);
  });
});
