import { readFileSync } from 'node:fs';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { ownNetwork } from './support/own-network.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';

// A volunteer keeps its page's attesting key: it exports the key (only after agreeing to what the key can do) and
// imports it in a fresh browser profile, which then signs as the same attester. The coordinator runs its embedded
// chain, since the page attester only works where credit goes on chain.
let coordinator: OwnCoordinator;
test.beforeAll(async () => {
  test.setTimeout(150_000);
  coordinator = await startOwnCoordinator('tiny', {
    env: { TERRAFLOP_CHAIN: 'embedded', TERRAFLOP_SETTLING_S: '0' },
    // Anvil starts and the contracts deploy before the coordinator is ready: slow on a loaded machine.
    readyTimeoutMs: 120_000,
  });
});
test.afterAll(async () => await coordinator?.stop());

/** A fresh browser profile contributing; resolves with its page once the attester shows the address it signs as. */
async function contributing(browser: Browser, network: number): Promise<Page> {
  const page = await (await browser.newContext(ownNetwork(network))).newPage();
  await page.goto(coordinator.url);
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(attesterAddress(page)).toHaveText(/^0x[0-9a-fA-F]{40}$/, { timeout: 60_000 });
  return page;
}
const panel = (page: Page) => page.getByRole('region', { name: 'COP on chain' });
const attesterAddress = (page: Page) => panel(page).getByTestId('attester-address');

test('the attesting key is exported after consent and imported in a fresh profile: the same attester', async ({
  browser,
}) => {
  test.setTimeout(240_000);
  const first = await contributing(browser, 1);
  const address = (await attesterAddress(first).textContent())!;
  const key = panel(first).getByTestId('attester-key');
  await key.getByText("Keep this device's attesting key").click();
  await expect(key).toContainText(`Whoever holds the key can sign attestations for ${address}`);
  const download = key.getByRole('button', { name: 'Download the key file' });
  await expect(download).toBeDisabled(); // nothing leaves the page before the volunteer agrees
  await expect(key.getByRole('button', { name: 'Show it to copy' })).toBeDisabled();
  await key.getByLabel(/anyone with this key can sign for this address/).check();
  const [file] = await Promise.all([first.waitForEvent('download'), download.click()]);
  const text = readFileSync((await file.path())!, 'utf8');
  expect(JSON.parse(text)).toMatchObject({ kind: 'terraflop attester key', address });
  await key.getByRole('button', { name: 'Show it to copy' }).click();
  await expect(key.getByTestId('attester-key-text')).toHaveValue(text);

  // The panel as a person sees it, narrow and wide, light and dark (kept with the test's results, for review).
  for (const width of [360, 1280])
    for (const colorScheme of ['light', 'dark'] as const) {
      await first.setViewportSize({ width, height: 900 });
      await first.emulateMedia({ colorScheme });
      await key.screenshot({ path: test.info().outputPath(`attester-key-${width}-${colorScheme}.png`) });
    }

  const second = await contributing(browser, 2);
  expect((await attesterAddress(second).textContent())!.toLowerCase()).not.toBe(address.toLowerCase());
  const other = panel(second).getByTestId('attester-key');
  await other.getByText("Keep this device's attesting key").click();
  // A file whose address was changed is refused, and the page keeps its own key.
  const forged = text.replace(address, '0x0000000000000000000000000000000000000001');
  await other.getByLabel('Or paste the key file').fill(forged);
  await other.getByRole('button', { name: 'Use this key' }).click();
  await expect(other.getByText("The file's address is not its key's")).toBeVisible();
  expect((await attesterAddress(second).textContent())!.toLowerCase()).not.toBe(address.toLowerCase());

  const upload = { name: 'key.json', mimeType: 'application/json', buffer: Buffer.from(text) };
  await other.getByLabel('Key file', { exact: true }).setInputFiles(upload);
  await expect(other.getByRole('status')).toContainText(`This page now checks epochs as ${address}`);
  await expect(attesterAddress(second)).toHaveText(address);
  // The coordinator knows the address as the first profile's volunteer's: this page signs for it all the same.
  await expect(panel(second)).toContainText('with the key you brought from another device', { timeout: 30_000 });
  // And it survives a reload (the volunteer had started: the page carries on by itself): the key is this browser's.
  await second.reload();
  await expect(second.getByRole('button', { name: 'Stop contributing' })).toBeVisible();
  await expect(attesterAddress(second)).toHaveText(address, { timeout: 60_000 });
});
