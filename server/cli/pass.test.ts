import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { keccak256, toHex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import { DEV_KEYS, startTestChain } from '../chain/testing.ts';
import { writeAndWait } from '../chain/write-and-wait.ts';
import { buildEpochTree } from '../epochs/epoch-tree.ts';
import { openStore } from '../store/open-store.ts';
import { StoreInspector } from '../store/sql/inspect.ts';
import { honest } from '../testing/results.ts';
import { eventually } from '../testing/sim-host.ts';
import { tinyUnits } from '../testing/tiny-units.ts';

const CLI = join(import.meta.dirname, 'pass.ts');
const run = promisify(execFile);

describe('node server/cli/pass.ts', () => {
  let dir: string;
  let inspect: StoreInspector & { close(): Promise<void> };
  const env = () => ({ ...process.env, TERRAFLOP_DATA: dir, TERRAFLOP_CHAIN: 'off', TERRAFLOP_DEMO: 'off' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terraflop-pass-'));
    // Two hosts report agreeing results for three units: work for the validator, then for the credit pass.
    const stores = await openStore({ kind: 'sqlite', dataDir: dir });
    const now = Date.now();
    await stores.work.createBatch({ app: 'signal-search', name: 'cli', units: tinyUnits(3), now });
    for (const token of ['a', 'b']) {
      const host = await stores.work.createHost({ tokenHash: token, now });
      const issued = await stores.work.issueReplicas(host, 3, now);
      await stores.work.recordResults(host, issued.map(honest), now);
    }
    await stores.close();
    inspect = StoreInspector.open({ kind: 'sqlite', dataDir: dir });
  });
  afterEach(async () => {
    await inspect.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('default: runs the named pass once on the configured store; again, it finds nothing to do', async () => {
    expect((await inspect.counts()).awaitingValidation).toBe(3);
    const first = await run(process.execPath, [CLI, 'validator'], { env: env() });
    expect(JSON.parse(first.stdout)).toEqual({ pass: 'validator', did: true, rounds: 1 });
    expect((await inspect.units()).map((u) => u.state)).toEqual(['done', 'done', 'done']);
    expect((await inspect.counts()).awaitingCredit).toBe(6);
    const again = await run(process.execPath, [CLI, 'validator'], { env: env() });
    expect(JSON.parse(again.stdout)).toMatchObject({ did: false });
  });

  test('behavior: with --loop it runs round after round until SIGTERM, then exits cleanly', async () => {
    await run(process.execPath, [CLI, 'validator'], { env: env() });
    const child = spawn(process.execPath, [CLI, 'credit', '--loop'], {
      env: { ...env(), TERRAFLOP_PASS_INTERVAL_MS: '20' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    await eventually(async () => (await inspect.counts()).awaitingCredit === 0);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ pass: 'credit', did: true });
  });

  test('error: an unknown pass, or a chain pass without an RPC chain, is refused and changes nothing', async () => {
    const unknown = run(process.execPath, [CLI, 'validatr'], { env: env() });
    await expect(unknown).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/no pass named "validatr"/) });
    await expect(unknown).rejects.toMatchObject({ stderr: expect.stringMatching(/statistics-export/) });
    const chain = run(process.execPath, [CLI, 'chain-reader'], { env: { ...env(), TERRAFLOP_CHAIN: 'embedded' } });
    await expect(chain).rejects.toMatchObject({ code: 2, stderr: expect.stringMatching(/needs TERRAFLOP_CHAIN=rpc/) });
    expect((await inspect.counts()).awaitingValidation).toBe(3);
  });

  test('behavior: a chain pass runs against a chain reached by RPC, its round awaited', async () => {
    const chain = await startTestChain();
    try {
      const tree = buildEpochTree([{ address: chain.as(1).account.address, credit: 10n ** 18n }]);
      await writeAndWait(chain.as(0), {
        address: chain.deployment.ledger,
        abi: creditLedgerAbi,
        functionName: 'proposeEpoch',
        args: [1n, tree.root, keccak256(toHex('file')), tree.total, tree.totalWeight],
      });
      const rpc = {
        TERRAFLOP_CHAIN: 'rpc',
        TERRAFLOP_RPC_URL: chain.anvil.rpcUrl,
        TERRAFLOP_CHAIN_ID: String(chain.anvil.chainId),
        TERRAFLOP_POSTER_KEY: DEV_KEYS[0]!,
        TERRAFLOP_LEDGER_ADDRESS: chain.deployment.ledger,
        TERRAFLOP_MARKET_ADDRESS: chain.deployment.market,
      };
      const read = await run(process.execPath, [CLI, 'chain-reader'], { env: { ...env(), ...rpc } });
      expect(JSON.parse(read.stdout)).toEqual({ pass: 'chain reader', did: true, rounds: 1 });
      const stores = await openStore({ kind: 'sqlite', dataDir: dir });
      expect((await stores.chain.mirroredEpochs(chain.deployment.ledger)).map((e) => e.root)).toEqual([tree.root]);
      await stores.close();
    } finally {
      await chain.stop();
    }
  });
});
