import { expect, test } from '@playwright/test';
import { formatFlops } from '../web/lib/format.ts';
import { storeValues } from './support/idb.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';

// Standard units take seconds, long enough to reload in the middle of one.
let coordinator: OwnCoordinator;
test.beforeAll(async () => {
  coordinator = await startOwnCoordinator('standard');
});
test.afterAll(async () => {
  await coordinator?.stop();
});

test('reload mid-unit: the unit resumes from its checkpoint, not from zero', async ({ page }) => {
  test.setTimeout(90_000);
  await page.goto(coordinator.url);
  // A lower CPU limit stretches each unit, so the reload lands well inside one.
  await page.getByLabel('CPU limit per worker (%)').fill('30');
  await page.getByLabel('CPU limit per worker (%)').press('Enter');
  await page.getByRole('button', { name: 'Start contributing' }).click();

  // Wait until IndexedDB holds a checkpoint of a good part of a unit, and find which unit it is.
  type Buffered = { assignment: { replicaId: string; flopsEstimate: number } };
  const checkpointed = async () => {
    // Keys and values read in one transaction, so they pair up.
    const saved = await page.evaluate(
      () =>
        new Promise<{ id: string; progress: number }[]>((resolve, reject) => {
          const open = indexedDB.open('terraflop');
          open.onsuccess = () => {
            const store = open.result.transaction('checkpoints').objectStore('checkpoints');
            const keys = store.getAllKeys();
            const values = store.getAll();
            values.onsuccess = () => {
              open.result.close();
              resolve(
                (keys.result as string[]).map((id, i) => ({
                  id,
                  progress: (values.result[i] as { progress: number }).progress,
                })),
              );
            };
            values.onerror = () => reject(values.error);
          };
        }),
    );
    const found = saved.find((c) => c.progress > 0.2 && c.progress < 0.8);
    if (!found) return undefined;
    const unit = ((await storeValues(page, 'buffer')) as Buffered[]).find((b) => b.assignment.replicaId === found.id);
    return unit && { flopsEstimate: unit.assignment.flopsEstimate, progress: found.progress };
  };
  await expect.poll(checkpointed, { timeout: 60_000 }).toBeDefined();
  const before = (await checkpointed())!;
  await page.reload();

  // The volunteer had started: the page carries on by itself, with that unit, from its checkpoint.
  await expect(page.getByRole('button', { name: 'Stop contributing' })).toBeVisible();
  // The page shows a unit by its size (a host is given no unit number); that the resumed unit is the one
  // checkpointed is in the percentage it resumed from: that checkpoint's, or a later one of the same run.
  await expect(page.getByTestId('work-unit')).toHaveText(formatFlops(before.flopsEstimate, 'FLOP'));
  await expect(page.getByTestId('resumed')).toHaveText(/Resumed from its checkpoint at [1-9]\d?%/);
  const resumedAt = Number(/at (\d+)%/.exec((await page.getByTestId('resumed').textContent()) ?? '')?.[1]);
  expect(resumedAt).toBeGreaterThanOrEqual(Math.round(before.progress * 100));
  const shown = await page
    .getByRole('progressbar', { name: 'Progress' })
    .evaluate((bar: HTMLProgressElement) => bar.value);
  expect(shown).toBeGreaterThanOrEqual(before.progress - 0.01);
});
