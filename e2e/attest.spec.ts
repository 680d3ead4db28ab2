import { join } from 'node:path';
import { expect, test, type Page } from '@playwright/test';
import { openStore } from '../server/store/open-store.ts';
import { rigCanonicalResults } from '../server/store/sql/rig-canonical.ts';
import { injectWallet } from './support/injected-wallet.ts';
import { ownNetwork } from './support/own-network.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';

// Two volunteers' pages on a coordinator with its embedded chain (anvil) and a challenge window of an hour: an epoch
// becomes final only when the pages drawn to check it re-execute its sample and sign. Then the coordinator turns
// cheat (its operator rewrites every canonical result it accepts), and the pages' dissent freezes the next epoch.
// Anvil's development account 1 sends the claim: anyone may, and the COP go to the address in the proof.
const SENDER = '0x70997970C51812dc3A010C7d01b50e0d17dc79C8';

let coordinator: OwnCoordinator;
test.beforeAll(async () => {
  test.setTimeout(150_000);
  coordinator = await startOwnCoordinator('tiny', {
    env: {
      TERRAFLOP_PASS_INTERVAL_MS: '100',
      TERRAFLOP_SETTLING_S: '0',
      // Epochs far enough apart that both pages look at the same one before the next.
      TERRAFLOP_EPOCH_INTERVAL_S: '15',
      TERRAFLOP_CHALLENGE_WINDOW_S: '3600',
      TERRAFLOP_CHAIN: 'embedded',
    },
    // Anvil starts and the contracts deploy before the coordinator is ready: slow on a loaded machine.
    readyTimeoutMs: 120_000,
  });
});
test.afterAll(async () => await coordinator?.stop());

interface EpochView {
  epoch: number;
  onChain: 'proposed' | 'final' | 'frozen' | null;
}
const api = async <T>(path: string): Promise<T> => (await (await fetch(new URL(path, coordinator.url))).json()) as T;
const epochs = async () => (await api<{ epochs: EpochView[] }>('api/epochs')).epochs;

/** The signers of every attestation the coordinator holds, and whether they agreed. */
async function signed(ledger: string): Promise<Array<{ signer: string; agree: boolean; epoch: number }>> {
  const stores = await openStore({ kind: 'sqlite', dataDir: coordinator.data });
  try {
    const rows = [];
    for (const e of await epochs()) rows.push(...(await stores.chain.attestations(ledger, e.epoch)));
    return rows.map((r) => ({ signer: r.signer.toLowerCase(), agree: r.agree, epoch: r.epoch }));
  } finally {
    await stores.close();
  }
}

test('pages drawn by their recent credit check an epoch and make it final; a cheating coordinator is frozen', async ({
  browser,
}) => {
  test.setTimeout(540_000);
  const { rpcUrl, ledger, cop } = await api<{ rpcUrl: string; ledger: string; cop: string }>('api/chain');
  const contexts = [await browser.newContext(ownNetwork(1)), await browser.newContext(ownNetwork(2))];
  await injectWallet(contexts[0]!, rpcUrl, SENDER);
  const pages: Page[] = [];
  for (const context of contexts) {
    const page = await context.newPage();
    await page.goto(coordinator.url);
    await page.getByRole('button', { name: 'Start contributing' }).click();
    pages.push(page);
  }
  // Each page links a key of its own to its volunteer and shows the address it signs as.
  const attesters: string[] = [];
  for (const page of pages) {
    const address = page.getByRole('region', { name: 'COP on chain' }).getByTestId('attester-address');
    await expect(address).toHaveText(/^0x[0-9a-fA-F]{40}$/, { timeout: 60_000 });
    attesters.push((await address.textContent())!.toLowerCase());
  }
  expect(attesters[0]).not.toBe(attesters[1]);

  // Both pages are drawn (each holds about half the credit, so half the slots) and vouch; an epoch becomes final
  // long before its hour-long window ends, through its attesters alone.
  await expect
    .poll(async () => new Set((await signed(ledger)).filter((s) => s.agree).map((s) => s.signer)).size, {
      timeout: 150_000,
    })
    .toBe(2);
  await expect.poll(async () => (await epochs()).some((e) => e.onChain === 'final'), { timeout: 60_000 }).toBe(true);
  expect((await signed(ledger)).every((s) => s.agree && attesters.includes(s.signer))).toBe(true);
  await expect(pages[0]!.getByTestId('attester-state')).toContainText(/vouched for epoch \d+|epoch \d+/);

  // The first volunteer claims its COP (to its page's address) with the wallet.
  const panel = pages[0]!.getByRole('region', { name: 'COP on chain' });
  await panel.getByLabel('Your Ethereum address').fill(attesters[0]!);
  await panel.getByRole('button', { name: 'Show my COP' }).click();
  await expect(panel.getByTestId('chain-claimable')).toHaveText(/^[1-9]|^0\.\d*[1-9]/, { timeout: 60_000 });
  await panel.getByRole('button', { name: /^Claim/ }).click();
  await expect(panel.getByRole('status')).toContainText('Claim sent in transaction 0x');
  const balance = async () => {
    const data = `0x70a08231${attesters[0]!.slice(2).padStart(64, '0')}`;
    const body = { jsonrpc: '2.0', id: 1, method: 'eth_call', params: [{ to: cop, data }, 'latest'] };
    const headers = { 'content-type': 'application/json' };
    const res = await fetch(rpcUrl, { method: 'POST', headers, body: JSON.stringify(body) });
    return BigInt(((await res.json()) as { result: string }).result);
  };
  await expect.poll(balance, { timeout: 20_000 }).toBeGreaterThan(0n);

  // The coordinator turns cheat: from now on every canonical result it keeps is rewritten. The pages re-execute the
  // next epoch's sample, find it false, sign a dissent, and the ledger freezes that epoch.
  rigCanonicalResults(join(coordinator.data, 'coordinator.sqlite'), '{"maxPower":1e9}');
  await expect.poll(async () => (await epochs()).some((e) => e.onChain === 'frozen'), { timeout: 150_000 }).toBe(true);
  const dissents = (await signed(ledger)).filter((s) => !s.agree);
  expect(dissents.length).toBeGreaterThan(0);
  expect(dissents.every((s) => attesters.includes(s.signer))).toBe(true);
  const disputed = pages.map((p) => p.getByTestId('attester-state').and(p.locator('[data-phase="dissented"]')));
  await expect.poll(async () => (await Promise.all(disputed.map((l) => l.count()))).some((n) => n > 0)).toBe(true);
  for (const page of pages) await page.getByRole('button', { name: 'Stop contributing' }).click();

  // The status page says so, plainly.
  const status = await contexts[1]!.newPage();
  await status.goto(new URL('status.html', coordinator.url).href);
  const card = status.getByRole('region', { name: 'Epochs on chain' });
  await expect(card).toContainText('Frozen');
  await expect(card.getByRole('row', { name: /Frozen/ }).first()).toBeVisible();
  // The card as a person sees it, narrow and wide, light and dark (kept with the test's results, for review).
  for (const width of [360, 1280])
    for (const colorScheme of ['light', 'dark'] as const) {
      await status.setViewportSize({ width, height: 900 });
      await status.emulateMedia({ colorScheme });
      await card.screenshot({ path: test.info().outputPath(`epochs-${width}-${colorScheme}.png`) });
    }
  await Promise.all(contexts.map((c) => c.close()));
});
