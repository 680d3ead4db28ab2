import { openStore } from '../server/store/open-store.ts';
import { readyUrl } from '../server/testing/ready-url.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { injectWallet } from './support/injected-wallet.ts';
import { ownNetwork } from './support/own-network.ts';

// Its own coordinator on the embedded chain (the shared e2e server runs with the chain off), on a port of its own.
let BASE = '';
// Anvil's development account 1: unlocked on every anvil, so the page's stand-in wallet can send from it.
const WALLET = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let coordinator: ChildProcess;
let dataDir: string;

test.beforeAll(async () => {
  test.setTimeout(120_000); // the embedded chain starts with the coordinator (readyUrl's bound)
  dataDir = mkdtempSync(join(tmpdir(), 'terraflop-e2e-chain-'));
  coordinator = spawn(process.execPath, ['server/main.ts'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TERRAFLOP_HOST: '127.0.0.1',
      TERRAFLOP_PORT: '0',
      TERRAFLOP_DATA: dataDir,
      TERRAFLOP_DEMO: 'tiny',
      TERRAFLOP_PASS_INTERVAL_MS: '100',
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1', // simulated hosts forward networks of their own
      TERRAFLOP_REGISTRATION_WORK_BITS: '10', // pages still solve the proof of work in a worker, an easy one
      TERRAFLOP_SETTLING_S: '0',
      TERRAFLOP_SIBLING_WAIT_S: '1', // the spec's pages pair up on a unit within seconds
      TERRAFLOP_EPOCH_INTERVAL_S: '1',
      // Epochs are proposed, then final once their window passes undisputed: the first page's attester stands aside
      // (its volunteer's address is the wallet's), so this spec does not wait for attesters (e2e/attest.spec.ts does).
      TERRAFLOP_CHALLENGE_WINDOW_S: '1',
      TERRAFLOP_CHAIN: 'embedded',
    },
  });
  BASE = await readyUrl(coordinator);
});

test.afterAll(async () => {
  if (coordinator.exitCode === null) {
    const exited = new Promise((resolve) => coordinator.once('exit', resolve));
    coordinator.kill('SIGTERM');
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
});

test('a volunteer sees credit reach the chain and claims it as COP through an injected wallet', async ({ browser }) => {
  test.setTimeout(120_000);
  const { rpcUrl } = (await (await fetch(`${BASE}api/chain`)).json()) as { rpcUrl: string };
  // An EIP-1193 wallet stand-in: the page talks to it as to any injected wallet. Like a wallet extension, it reaches
  // the chain from outside the page (the page's CSP allows no other origin), here through a binding to this process.
  const wallet = await browser.newContext();
  await injectWallet(wallet, rpcUrl, WALLET);
  // The other volunteer computes from a network of its own (the coordinator trusts loopback as a proxy): hosts on one
  // network never share a unit, so two pages of one address would never make a quorum.
  const other = await browser.newContext(ownNetwork(1));
  const pages = [await wallet.newPage(), await other.newPage()];
  for (const page of pages) {
    await page.goto(BASE);
    await page.getByRole('button', { name: 'Start contributing' }).click();
  }
  // The first volunteer links its address. The page has no control for that yet, so the operator's side does it,
  // through the coordinator's store (a connection of its own to its database).
  const stores = await openStore({ kind: 'sqlite', dataDir });
  const volunteers = async () => (await stores.work.creditTable(Date.now())).volunteers;
  await expect.poll(async () => (await volunteers()).length, { timeout: 30_000 }).toBe(2);
  expect(await stores.work.setVolunteerAddress((await volunteers())[0]!.volunteer_id, WALLET)).toBe(true);
  await stores.close();

  const page = pages[0]!;
  const panel = page.getByRole('region', { name: 'COP on chain' });
  await panel.getByRole('button', { name: 'Use my wallet' }).click();
  await expect(panel.getByText(`Credit for ${WALLET}`)).toBeVisible();
  // Credit validates, settles at once (settling 0 s) and goes into an epoch; the panel refreshes by itself.
  await expect(panel.getByTestId('chain-claimable')).toHaveText(/^[1-9]|^0\.\d*[1-9]/, { timeout: 60_000 });
  for (const p of pages) await p.getByRole('button', { name: 'Stop contributing' }).click();
  await panel.getByRole('button', { name: /^Claim/ }).click();
  await expect(panel.getByRole('status')).toContainText('Claim sent in transaction 0x');
  // The COP are in the wallet (epochs may keep adding credit after the claim, so claimable need not stay 0).
  const { cop } = (await (await fetch(`${BASE}api/chain`)).json()) as { cop: string };
  const balanceOf = async () => {
    const data = `0x70a08231${WALLET.slice(2).toLowerCase().padStart(64, '0')}`;
    const body = { jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: cop, data }, 'latest'] };
    const res = await fetch(rpcUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return BigInt(((await res.json()) as { result: string }).result);
  };
  await expect.poll(balanceOf, { timeout: 20_000 }).toBeGreaterThan(0n);
  await expect(panel.getByTestId('chain-credit')).not.toHaveText('0');
  await Promise.all([wallet.close(), other.close()]);
});
