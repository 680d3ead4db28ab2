import { expect, test } from '@playwright/test';

// The crash is emulated by serving a worker script that dies on load; the service worker must not serve the real one.
test.use({ serviceWorkers: 'block' });

test('a crashing worker is replaced, its unit retried once, then reported to the coordinator as a client error', async ({ page }) => {
  let loads = 0;
  await page.route(/\/assets\/worker-[^/]+\.js$/, (route) => {
    loads++;
    return route.fulfill({ contentType: 'text/javascript', body: "throw new Error('emulated crash');" });
  });
  const report = page.waitForRequest((r) => r.url().endsWith('/api/results'));
  const answer = page.waitForResponse((r) => r.url().endsWith('/api/results'));

  await page.goto('/');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect(page.getByRole('alert')).toHaveText(/failed \(WorkerCrashError: .*\); trying it once more/);

  const [entry] = (await (await report).postDataJSON()) .results as { replicaId: number; status: string; error: { name: string } }[];
  expect(entry).toMatchObject({ status: 'error', error: { name: 'WorkerCrashError' } });
  expect(((await (await answer).json()) as { accepted: number[] }).accepted).toContain(entry!.replicaId);
  await expect(page.getByRole('alert')).toHaveText(/failed twice \(WorkerCrashError: .*\); reported to the coordinator/);
  // The first worker, its replacement after the first crash, and another after the second.
  expect(loads).toBeGreaterThanOrEqual(3);
});
