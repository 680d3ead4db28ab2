import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { decodeFunctionData, getAddress } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { ChainInfo, ClaimInfo, EpochList } from '../../protocol/chain.ts';
import { epochFileHash, NO_PREVIOUS_FILE, renderEpochFile, writeEpochFile } from '../epochs/epoch-file.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import type { ChainStore } from '../store/chain.ts';
import { backends } from '../testing/backends.ts';
import { storePerTest } from '../testing/store-fixture.ts';
import { chainRoutes, type ChainFace } from './chain.ts';
import { renderError } from './errors.ts';

const app = new Hono().route('/', chainRoutes(undefined));
app.onError(renderError);

describe('chain routes with the chain off', () => {
  test('default: GET /chain says off', async () => {
    expect(await (await app.request('/chain')).json()).toEqual({ mode: 'off' });
  });
  test('error: epochs and claims are 404 ChainOffError; a bad address is 400 first', async () => {
    for (const path of ['/epochs', '/epochs/1.jsonl', '/chain/claims/0x00000000000000000000000000000000000000a1']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { name: string } }).error.name).toBe('ChainOffError');
    }
    const bad = await app.request('/chain/claims/not-an-address');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /not an Ethereum address: "not-an-address"/,
    );
  });
});

const LEDGER = getAddress('0x5fbdb2315678afecb367f032d99180a3f0aa9b11');
const ALICE = getAddress('0x70997970c51812dc3a010c7d01b50e0d17dc79c8');
const BOB = getAddress('0x3c44cdddb6a900fa2b585dd299e03d12fa4293bc');
const COP = 10n ** 18n;

/**
 * The routes hold no client of the chain: whatever the RPC does, they answer from the store's records and mirror and
 * the epoch files. Here no chain exists at all.
 */
describe.each(backends)('chain routes on the store alone ($name)', (backend) => {
  const fixture = storePerTest(backend);
  let epochDir: string;
  let api: Hono;
  let store: ChainStore;
  const tree = buildEpochTree([
    { address: ALICE, credit: 30n * COP },
    { address: BOB, credit: 12n * COP },
  ]);

  beforeEach(async () => {
    epochDir = mkdtempSync(join(tmpdir(), 'terraflop-epochs-'));
    store = fixture.stores.chain;
    const chain: ChainFace = {
      mode: 'rpc',
      deployment: { chainId: 31337, ledger: LEDGER, cop: ALICE, market: BOB },
      rpcUrl: 'http://127.0.0.1:1',
      store,
      epochDir,
      attesters: 7,
    };
    api = new Hono().route('/', chainRoutes(chain));
    api.onError(renderError);
    const text = renderEpochFile(1, tree, { cutAt: 1, previousFileHash: NO_PREVIOUS_FILE });
    writeEpochFile(epochDir, 1, text);
    await store.recordBuilt({
      ledger: LEDGER,
      epoch: 1,
      root: tree.root,
      fileHash: epochFileHash(text),
      totalCredit: String(tree.total),
      volunteers: 2,
      builtAt: 1_000,
    });
  });
  afterEach(() => rmSync(epochDir, { recursive: true, force: true }));

  const claimOf = async (account: string) => {
    const res = await api.request(`/chain/claims/${account}`);
    expect(res.status).toBe(200);
    return ClaimInfo.parse(await res.json());
  };
  /** What the chain reader would record after reading up to `block`. */
  const read = (
    block: bigint,
    claims: Array<{ account: string; claimed: bigint; block: bigint }>,
    root = tree.root,
    final = true,
  ) =>
    store.applyChainRead(
      {
        ledger: LEDGER,
        block,
        blockHash: `0x${block.toString(16).padStart(64, '0')}`,
        epochs: [{ epoch: 1, root, fileHash: '0xf', totalCredit: String(tree.total), seedBlock: 7n, block: 3n }],
        claims,
        changes: final ? [{ epoch: 1, kind: 'final' }] : [],
      },
      2_000,
    );

  test('default: a claim carries the leaf, its proof, what the mirror says was claimed, and the tx', async () => {
    await read(9n, [{ account: ALICE, claimed: 10n * COP, block: 8n }]);
    const claim = await claimOf(ALICE.toLowerCase());
    const index = tree.leaves.findIndex(([a]) => a === ALICE);
    expect(claim).toMatchObject({
      account: ALICE,
      epoch: 1,
      credit: String(30n * COP),
      offset: String(tree.leaves[index]![2]),
      weight: String(30n * COP),
      proof: tree.tree.getProof(index),
      claimed: String(10n * COP),
      claimable: String(20n * COP),
      asOfBlock: '9',
    });
    const call = decodeFunctionData({ abi: creditLedgerAbi, data: claim.tx!.data as `0x${string}` });
    expect(call.functionName).toBe('claim');
    expect(call.args).toEqual([1n, ALICE, 30n * COP, tree.leaves[index]![2], 30n * COP, tree.tree.getProof(index)]);
    expect((await claimOf(BOB)).claimable).toBe(String(12n * COP));

    const info = ChainInfo.parse(await (await api.request('/chain')).json());
    expect(info).toMatchObject({ mode: 'rpc', latestPostedEpoch: 1, mirror: { block: '9', readAt: 2_000 } });
    const list = EpochList.parse(await (await api.request('/epochs')).json());
    expect(list.epochs.map((e) => [e.epoch, e.onChain, e.url])).toEqual([[1, 'final', '/api/epochs/1.jsonl']]);
  });

  test('behavior: an epoch proposed but not yet final is not offered for claims', async () => {
    await read(9n, [], tree.root, false);
    expect(await claimOf(ALICE)).toMatchObject({ epoch: 0, tx: null, claimed: '0', asOfBlock: '9' });
    const list = EpochList.parse(await (await api.request('/epochs')).json());
    expect(list.epochs.map((e) => e.onChain)).toEqual(['proposed']);
  });

  test('behavior: before the chain was ever read, what was claimed is unknown, not guessed', async () => {
    const claim = await claimOf(ALICE);
    expect(claim).toMatchObject({ epoch: 0, credit: '0', claimed: null, claimable: '0', asOfBlock: null, tx: null });
    const info = ChainInfo.parse(await (await api.request('/chain')).json());
    expect(info).toMatchObject({ latestPostedEpoch: 0, mirror: null });
    const list = EpochList.parse(await (await api.request('/epochs')).json());
    expect(list.epochs.map((e) => e.onChain)).toEqual([null]);
  });

  test('behavior: an epoch the chain holds with another root than ours is not offered for claims', async () => {
    await read(9n, [], `0x${'ab'.repeat(32)}`);
    const claim = await claimOf(ALICE);
    expect(claim).toMatchObject({ epoch: 0, tx: null, claimed: '0', asOfBlock: '9' });
    const list = EpochList.parse(await (await api.request('/epochs')).json());
    expect(list.epochs.map((e) => e.onChain)).toEqual([null]);
  });

  test('error: an address without a leaf gets nothing to claim; an unknown epoch file is 404', async () => {
    await read(9n, []);
    const stranger = await claimOf('0x00000000000000000000000000000000000000a1');
    expect(stranger).toMatchObject({
      epoch: 1,
      credit: '0',
      offset: null,
      weight: null,
      proof: null,
      claimable: '0',
      tx: null,
    });
    expect((await api.request('/epochs/1.jsonl')).status).toBe(200);
    expect((await api.request('/epochs/2.jsonl')).status).toBe(404);
  });
});
