import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Hex } from 'viem';
import { computeMarketAbi, copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { loadConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../coordinator.ts';
import { ClaimInfo } from '../../protocol/chain.ts';
import { linkMessage } from '../../protocol/volunteer.ts';
import { StoreInspector } from '../store/sql/inspect.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { chainClients } from './clients.ts';
import { readLatestEpoch } from './read-ledger.ts';
import { LEDGER_RULES } from './deploy.ts';
import { DEV_KEYS, passTime } from './testing.ts';
import { writeAndWait } from './write-and-wait.ts';
import { verifyEpoch } from './verify-epoch.ts';

const dir = mkdtempSync(join(tmpdir(), 'terraflop-embedded-'));
let coordinator: Coordinator | undefined;
afterAll(async () => {
  await coordinator?.close();
  rmSync(dir, { recursive: true, force: true });
});

const start = () =>
  startCoordinator(
    loadConfig({
      TERRAFLOP_DATA: dir,
      TERRAFLOP_PORT: '0',
      TERRAFLOP_DEMO: 'off',
      TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
      TERRAFLOP_WEB: dir,
      TERRAFLOP_PASS_INTERVAL_MS: '20',
      TERRAFLOP_SIBLING_WAIT_S: '0', // its hosts pair up on units at once
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1', // simulated hosts forward networks of their own
      TERRAFLOP_SETTLING_S: '0',
      TERRAFLOP_EPOCH_INTERVAL_S: '1',
    }),
  );

describe('the coordinator on its embedded chain', () => {
  test('default: settled credit goes on chain, the epoch file verifies, ' +
    'a claim pays it, a restart keeps it all', async () => {
    coordinator = await start();
    const c = coordinator;
    expect(c.chain?.mode).toBe('embedded');
    // Anvil's development account 1 stands for the volunteer's wallet.
    const wallet = chainClients({
      rpcUrl: c.chain!.rpcUrl,
      chainId: c.chain!.deployment.chainId,
      privateKey: DEV_KEYS[1]!,
    });
    const address = wallet.account.address;

    await c.stores.work.createBatch({ app: 'signal-search', name: 'chain', units: tinyUnits(2), now: Date.now() });
    const [a, b] = await Promise.all([
      SimHost.register(c.url, { volunteerName: 'alice' }),
      SimHost.register(c.url, { volunteerName: 'bob' }),
    ]);
    await a.cycle(10);
    await b.cycle(10);
    // Alice links the wallet's address with its signature, as the page does.
    const message = linkMessage(a.identity.volunteerId, address);
    const signature = await wallet.walletClient.signMessage({ account: wallet.account, message });
    expect((await a.call('POST', '/api/volunteer/address', { address, signature })).status).toBe(200);
    const settled = await eventually(async () => {
      const { volunteers } = await c.stores.work.creditTable(Date.now());
      const credit = volunteers.find((v) => v.name === 'alice')?.settled_credit ?? 0;
      return credit > 0 && credit;
    });

    const epoch = await eventually(() => c.chain!.store.latestPosted(c.chain!.deployment.ledger), 20_000);
    expect(epoch.epoch).toBe(1);
    // Proposed, not claimable: the challenge window passes undisputed and anyone finalises it.
    await passTime(wallet, LEDGER_RULES.challengeWindow);
    await writeAndWait(wallet, {
      address: c.chain!.deployment.ledger,
      abi: creditLedgerAbi,
      functionName: 'finalize',
      args: [1n],
    });
    const file = await (await fetch(new URL('api/epochs/1.jsonl', c.url))).text();
    const verified = await verifyEpoch(wallet.publicClient, { ledger: c.chain!.deployment.ledger, text: file });
    expect(verified).toMatchObject({ ok: true, epoch: 1, volunteers: 1 });
    expect(BigInt(verified.totalCredit)).toBe(BigInt(Math.floor(settled * 1e6)) * 10n ** 12n);
    expect(
      (
        await verifyEpoch(wallet.publicClient, {
          ledger: c.chain!.deployment.ledger,
          text: file.replace(/"credit":"\d/, '"credit":"9'),
        })
      ).ok,
    ).toBe(false);

    // The route answers from the store's mirror, which the chain reader brings up to the posted epoch.
    const claimOf = async () =>
      ClaimInfo.parse(await (await fetch(new URL(`api/chain/claims/${address}`, c.url))).json());
    const claim = await eventually(async () => {
      const info = await claimOf();
      return info.epoch === 1 && info;
    });
    expect(claim.claimable).toBe(verified.totalCredit);
    const hash = await wallet.walletClient.sendTransaction({ to: claim.tx!.to as Hex, data: claim.tx!.data as Hex });
    expect((await wallet.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    const balance = () =>
      wallet.publicClient.readContract({
        address: c.chain!.deployment.cop,
        abi: copAbi,
        functionName: 'balanceOf',
        args: [address],
      });
    expect(await balance()).toBe(BigInt(verified.totalCredit));
    const after = await eventually(async () => {
      const info = await claimOf();
      return info.claimed === verified.totalCredit && info;
    });
    expect(after.claimable).toBe('0');
    const bad = await fetch(new URL('api/chain/claims/0x123', c.url));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { name: string } }).error.name).toBe('InvalidAddressError');

    // Paid compute: the volunteer, now a requester, escrows its COP for a new batch; the coordinator burns what the
    // batch's settled credit costs (1 COP per credit) and refunds the rest when the batch is finished.
    const { market } = c.chain!.deployment;
    const escrow = BigInt(verified.totalCredit);
    // The requester's project names the wallet as its payer: the settler settles no one else's escrow.
    const { projectId } = await c.stores.research.createProject({
      name: 'paid research',
      researcherName: 'r',
      keyHash: 'k'.repeat(64),
      now: Date.now(),
    });
    await c.stores.chain.setTokenTerms('paid research', { payer: address });
    const batchId = await c.stores.research.createProjectBatch({
      projectId,
      app: 'signal-search',
      name: 'paid',
      units: tinyUnits(2),
      now: Date.now(),
    });
    await wallet.walletClient.writeContract({
      address: c.chain!.deployment.cop,
      abi: copAbi,
      functionName: 'approve',
      args: [market, escrow],
    });
    const opened = await wallet.walletClient.writeContract({
      address: market,
      abi: computeMarketAbi,
      functionName: 'open',
      args: [BigInt(batchId), escrow],
    });
    await wallet.publicClient.waitForTransactionReceipt({ hash: opened });
    await a.cycle(10);
    await b.cycle(10);
    const paid = await eventually(async () => {
      const on = await wallet.publicClient.readContract({
        address: market,
        abi: computeMarketAbi,
        functionName: 'batches',
        args: [address, BigInt(batchId)],
      });
      return on.closed && on;
    }, 20_000);
    const inspect = StoreInspector.open({ kind: 'sqlite', dataDir: dir });
    const granted = await inspect.grantedCredit(batchId);
    await inspect.close();
    const cost = BigInt(Math.floor(granted * 1e6)) * 10n ** 12n;
    expect(paid.settledCredit).toBe(cost);
    expect(paid.burned).toBe(cost < escrow ? cost : escrow);
    expect(await balance()).toBe(escrow - paid.burned);

    // Restart on the same data folder: same contracts, same chain state, no epoch posted twice.
    const deployment = c.chain!.deployment;
    // Let the poster catch up with the last settled credit, with the passes stopped so no round runs beside it.
    await c.passes.stop();
    await c.chain!.poster.idle();
    await c.chain!.poster.runOnce(Date.now() + 10_000);
    const epochs = await readLatestEpoch(wallet.publicClient, { ledger: deployment.ledger });
    await c.close();
    coordinator = await start();
    expect(coordinator.chain!.deployment).toEqual(deployment);
    const again = chainClients({
      rpcUrl: coordinator.chain!.rpcUrl,
      chainId: deployment.chainId,
      privateKey: DEV_KEYS[1]!,
    });
    expect(await readLatestEpoch(again.publicClient, { ledger: deployment.ledger })).toBe(epochs);
    expect(
      await again.publicClient.readContract({
        address: deployment.cop,
        abi: copAbi,
        functionName: 'balanceOf',
        args: [address],
      }),
    ).toBe(escrow - paid.burned);
    await coordinator.chain!.poster.runOnce(Date.now() + 10_000);
    expect(await readLatestEpoch(again.publicClient, { ledger: deployment.ledger })).toBe(epochs);
  }, 60_000);
});
