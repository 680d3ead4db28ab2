import { expect, test } from '@playwright/test';
import { RegistrationProof } from '../protocol/registration-proof.ts';
import { leadingZeroBits, proofDigest } from '../protocol/registration-work.ts';
import { mainThreadTasks } from './support/main-thread-cpu.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';
import { startPartnerHost, type PartnerHost } from './support/partner-host.ts';

// About 2^17 digests: solved on the main thread, it would show there as a task of far more than 50 ms.
const BITS = 17;

let coordinator: OwnCoordinator;
let partner: PartnerHost;
test.beforeAll(async () => {
  coordinator = await startOwnCoordinator('tiny', { env: { TERRAFLOP_REGISTRATION_WORK_BITS: String(BITS) } });
  partner = await startPartnerHost(coordinator.url);
});
test.afterAll(async () => {
  await partner.stop();
  await coordinator.stop();
});

test('a fresh page pays the registration proof of work in a worker, then computes', async ({ page }) => {
  const workers: string[] = [];
  page.on('worker', (w) => workers.push(w.url()));
  // The challenge is held until the page has loaded, so the trace below sees the solving and not the page's start.
  let release = () => {};
  const held = new Promise<void>((resolve) => (release = resolve));
  let asked = () => {};
  const challengeAsked = new Promise<void>((resolve) => (asked = resolve));
  await page.route('**/api/hosts/challenge', async (route) => {
    asked();
    await held;
    await route.continue();
  });
  await page.goto(coordinator.url);
  await challengeAsked;
  await page.waitForLoadState('load');
  const registration = page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/api/hosts'));
  const tasks = await mainThreadTasks(page, async () => {
    release();
    await registration;
  });
  const response = await registration;
  expect(response.status()).toBe(201);
  // The proof it sent solves its challenge at the coordinator's difficulty.
  const { challenge, nonce } = RegistrationProof.parse((response.request().postDataJSON() as { proof: unknown }).proof);
  expect(leadingZeroBits(proofDigest(challenge, nonce))).toBeGreaterThanOrEqual(BITS);
  // Solved in the registration worker: while it was, the main thread ran no task of even 50 ms of its CPU time.
  expect(workers.some((url) => url.includes('registration-worker'))).toBe(true);
  expect(tasks.length).toBeGreaterThan(0); // the trace saw the page
  expect(tasks.filter((t) => t.cpuMs > 50)).toEqual([]);

  await expect(page.getByTestId('credit')).toHaveText('0');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(page.getByTestId('units-done')).not.toHaveText('0', { timeout: 60_000 });
});
