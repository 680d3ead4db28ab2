import { execFileSync } from 'node:child_process';
import { expect, test, type Locator, type Page } from '@playwright/test';
import { TrainingJob, TrainingJobList } from '../protocol/training-job.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';
import { ownNetwork } from './support/own-network.ts';

/**
 * Three volunteers' pages train one job in the researcher's sight: the loss falls and the held-out accuracy rises
 * on the dashboard as rounds close, the model downloads, and the digit page reads a digit with it. On a coordinator
 * of its own without demo work (only training units to compute), at a port of this spec's range.
 */
let coordinator: OwnCoordinator;

test.beforeAll(async () => {
  coordinator = await startOwnCoordinator('off', {
    env: { TERRAFLOP_PORT: process.env['TERRAFLOP_TRAINING_E2E_PORT'] ?? '4228' },
  });
});
test.afterAll(async () => {
  await coordinator?.stop();
});

function createProject(name: string): string {
  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', name], {
    env: { ...process.env, TERRAFLOP_DATA: coordinator.data, TERRAFLOP_CHAIN: 'off' },
  });
  return (JSON.parse(out.toString()) as { apiKey: string }).apiKey;
}

const figure = async (page: Page | Locator, id: string) => Number(await page.getByTestId(id).textContent());

/** Draws a "1": one stroke down the middle of the drawing area. */
async function drawOne(page: Page) {
  const box = (await page.getByLabel(/drawing area/).boundingBox())!;
  const x = box.x + box.width / 2;
  await page.mouse.move(x, box.y + box.height * 0.15);
  await page.mouse.down();
  for (let i = 1; i <= 10; i++) await page.mouse.move(x, box.y + box.height * (0.15 + 0.07 * i));
  await page.mouse.up();
}

test('three volunteers train a job; the dashboard shows loss and accuracy live; the model reads a drawn digit', async ({
  browser,
  page,
}) => {
  test.setTimeout(600_000);
  const key = createProject('Digits');
  await page.goto(new URL('/dashboard.html', coordinator.url).href);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  const training = page.getByRole('region', { name: 'Training' });
  await training.getByLabel('Job name').fill('e2e digits');
  await training.getByLabel('Model').selectOption('mlp');
  await training.getByLabel('Hidden units').fill('32');
  await training.getByLabel('Rounds').fill('3');
  await training.getByLabel(/Volunteers per round/).fill('3');
  await training.getByLabel(/Local steps/).fill('20');
  await training.getByRole('button', { name: 'Start training' }).click();
  await expect(training.getByTestId('model-version')).toHaveText('0');

  // Three homes: hosts on one network never share a unit, and a round's recomputed share must go to another home.
  const volunteers = await Promise.all([1, 2, 3].map((i) => browser.newContext(ownNetwork(i))));
  const pages = await Promise.all(volunteers.map((c) => c.newPage()));
  for (const p of pages) {
    await p.goto(coordinator.url);
    await p.getByRole('button', { name: 'Start contributing' }).click();
  }

  // The first round closes: its figures appear live, without a reload. Each page first fetches the digits and the
  // kernel, and on a busy machine three pages share two cores.
  await expect(training.getByTestId('model-version')).not.toHaveText('0', { timeout: 240_000 });
  const firstAccuracy = await figure(training, 'heldout-accuracy');
  const firstLoss = await figure(training, 'heldout-loss');
  await expect(training.getByTestId('model-version')).toHaveText('3', { timeout: 300_000 });
  expect(await figure(training, 'heldout-accuracy')).toBeGreaterThan(firstAccuracy);
  expect(await figure(training, 'heldout-loss')).toBeLessThan(firstLoss);
  await expect(training.getByRole('img', { name: 'training chart' })).toHaveAttribute('data-rounds', '3');
  // Units dealt again (refused or missing results): the dashboard sums what the job's rounds say.
  const jobs = await page.request.get(new URL('/api/research/training-jobs', coordinator.url).href, {
    headers: { authorization: `Bearer ${key}` },
  });
  const { jobId } = TrainingJobList.parse(await jobs.json()).jobs[0]!;
  const job = await page.request.get(new URL(`/api/research/training-jobs/${jobId}`, coordinator.url).href, {
    headers: { authorization: `Bearer ${key}` },
  });
  const { history } = TrainingJob.parse(await job.json());
  expect(await figure(training, 'dealt-again')).toBe(history.reduce((n, r) => n + r.dealtAgain, 0));
  for (const p of pages) await expect(p.getByTestId('results-invalid')).toHaveText('0');
  await Promise.all(volunteers.map((c) => c.close()));

  const download = page.waitForEvent('download');
  await training.getByRole('button', { name: 'Download the model' }).click();
  const file = await (await download).path();

  await page.goto(new URL('/digit.html', coordinator.url).href);
  await page.getByLabel('Model file').setInputFiles(file);
  await expect(page.getByTestId('model-loaded')).toContainText('version 3');
  await drawOne(page);
  await expect(page.getByTestId('prediction')).toHaveText(/^[0-9]$/);
  await expect(page.getByRole('meter', { name: 'probability of 1' })).toBeVisible();
});
