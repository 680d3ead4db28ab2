import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { keccak256, toHex, type Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { buildEpochTree, type EpochTree } from '../epochs/epoch-tree.ts';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { chainReader } from './chain-reader.ts';
import { chainClients } from './clients.ts';
import { startFlakyRpc, type FlakyRpc } from './flaky-rpc.ts';
import { DEV_KEYS, finalEpoch, startTestChain, type TestChain } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';

const COP = 10n ** 18n;

describe.each(backends)('the chain reader on $name', (backend) => {
  const fixture = storePerTest(backend);
  let chain: TestChain;
  let rpc: FlakyRpc;

  beforeEach(async (ctx) => {
    if (!backend.available) return ctx.skip();
    chain = await startTestChain();
    rpc = await startFlakyRpc(chain.anvil.rpcUrl);
  });
  afterEach(async () => {
    await rpc?.close();
    await chain?.stop();
  });

  /** A reader as the coordinator makes one, through the flaky proxy. */
  const reader = () =>
    chainReader({
      clients: chainClients({
        rpcUrl: rpc.url,
        chainId: chain.anvil.chainId,
        privateKey: DEV_KEYS[0]!,
        timeoutMs: 2_000,
      }),
      ledger: chain.deployment.ledger,
      fromBlock: BigInt(chain.deployment.block),
      mirror: fixture.stores.chain,
      log: () => {},
    });

  /** Proposes epoch `epoch` crediting account 1 with `credit` COP, as the poster would, and makes it final. */
  async function post(epoch: number, credit: bigint): Promise<EpochTree> {
    const tree = buildEpochTree([{ address: chain.as(1).account.address, credit: credit * COP }]);
    await finalEpoch(chain, BigInt(epoch), tree, keccak256(toHex(`file ${epoch}`)));
    return tree;
  }

  async function claim(epoch: number, tree: EpochTree) {
    const [account, credit, offset, weight] = tree.leaves[0]!;
    await writeAndWait(chain.as(1), {
      address: chain.deployment.ledger,
      abi: creditLedgerAbi,
      functionName: 'claim',
      args: [BigInt(epoch), account, credit, offset, weight, tree.tree.getProof(0) as Hex[]],
    });
  }

  test('default: the mirror holds the epochs on chain, what each account claimed, and the block read', async () => {
    const { ledger } = chain.deployment;
    const store = fixture.stores.chain;
    const r = reader();
    const first = await post(1, 5n);
    await claim(1, first);
    const second = await post(2, 8n);
    expect(await r.runOnce(1_000)).toBe(true);
    expect((await store.mirroredEpochs(ledger)).map((e) => [e.epoch, e.root, e.totalCredit, e.status])).toEqual([
      [1, first.root, String(5n * COP), 'final'],
      [2, second.root, String(8n * COP), 'final'],
    ]);
    expect(await store.claimed(ledger, chain.as(1).account.address)).toBe(5n * COP);
    expect(await store.claimed(ledger, chain.as(2).account.address)).toBe(0n);
    const latest = await chain.as(0).publicClient.getBlockNumber({ cacheTime: 0 });
    expect(await store.mirrorHead(ledger)).toMatchObject({ block: latest, readAt: 1_000 });
    expect(await r.runOnce(2_000)).toBe(false); // caught up: nothing new

    await claim(2, second); // a later claim raises the cumulative amount
    expect(await r.runOnce(3_000)).toBe(true);
    expect(await store.claimed(ledger, chain.as(1).account.address)).toBe(8n * COP);
  });

  test('behavior: the RPC down leaves the mirror as it was; the pass neither throws nor waits', async () => {
    const { ledger } = chain.deployment;
    const r = reader();
    await post(1, 5n);
    rpc.mode = 'down';
    await expect(r.runOnce(1_000)).rejects.toThrow();
    expect(await fixture.stores.chain.mirrorHead(ledger)).toBeUndefined();
    expect(await r.pass(undefined as never, 1_000)).toBe(false); // starts a round in the background
    await r.idle();
    rpc.mode = 'up';
    expect(await r.pass(undefined as never, 2_000)).toBe(false); // the failed round did nothing
    await r.idle();
    expect(await r.pass(undefined as never, 3_000)).toBe(true); // the round just done read epoch 1
    expect((await fixture.stores.chain.mirroredEpochs(ledger)).map((e) => e.epoch)).toEqual([1]);
  });

  test('behavior: a chain restored from an older state is read again; its lost epochs leave the mirror', async () => {
    const { ledger } = chain.deployment;
    const r = reader();
    const first = await post(1, 5n);
    const snapshot = await chain.as(0).publicClient.request({ method: 'evm_snapshot' } as never);
    await post(2, 8n);
    expect(await r.runOnce(1_000)).toBe(true);
    expect((await fixture.stores.chain.mirroredEpochs(ledger)).map((e) => e.epoch)).toEqual([1, 2]);
    await chain.as(0).publicClient.request({ method: 'evm_revert', params: [snapshot] } as never);
    const other = await post(2, 9n); // the same height again, another block
    while (await r.runOnce(2_000));
    const epochs = await fixture.stores.chain.mirroredEpochs(ledger);
    expect(epochs.map((e) => [e.epoch, e.root])).toEqual([
      [1, first.root],
      [2, other.root],
    ]);
  });
});
