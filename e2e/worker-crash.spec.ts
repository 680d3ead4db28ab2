import { expect, test } from '@playwright/test';

// The crash is emulated by serving a worker script that dies on load; the service worker must not serve the real one.
test.use({ serviceWorkers: 'block' });

test(
  'a crashing worker is replaced, its unit retried once, ' + 'then reported to the coordinator as a client error',
  async ({ page }) => {
    let loads = 0;
    // Each worker dies three seconds after it starts, with the unit it was given: a replacement dying at once would
    // put "failed twice" over the passing "trying it once more" before anyone could read it.
    const body = "setTimeout(() => { throw new Error('emulated crash'); }, 3000);";
    await page.route(/\/assets\/worker-[^/]+\.js$/, (route) => {
      loads++;
      return route.fulfill({ contentType: 'text/javascript', body });
    });
    const report = page.waitForRequest((r) => r.url().endsWith('/api/results'));
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/results'));

    await page.goto('/');
    await page.getByRole('button', { name: 'Start contributing' }).click();
    // Said in plain words, the error's name and message kept under "Details".
    const problem = page.getByTestId('problem');
    await expect(problem).toContainText(
      /A [\w-]+ unit of [\d.]+ [kMGTP]?FLOP did not finish: the worker computing it stopped unexpectedly\. Trying/,
    );
    await expect(problem.locator('details')).toContainText('WorkerCrashError');

    const [entry] = (await (await report).postDataJSON()).results as {
      replicaId: string;
      status: string;
      error: { name: string };
    }[];
    expect(entry).toMatchObject({ status: 'error', error: { name: 'WorkerCrashError' } });
    expect(((await (await answer).json()) as { accepted: string[] }).accepted).toContain(entry!.replicaId);
    await expect(problem).toContainText(
      /failed twice \(the worker computing it stopped unexpectedly\), so it was reported/,
    );
    // The first worker, its replacement after the first crash, and another after the second.
    expect(loads).toBeGreaterThanOrEqual(3);
  },
);

test(
  'a hung worker (no progress within the bound) is replaced, ' + 'its unit retried once, then reported as an error',
  async ({ page }) => {
    // A kernel stuck in a loop: the worker takes the run and never answers nor reports progress again.
    let loads = 0;
    await page.route(/\/assets\/worker-[^/]+\.js$/, (route) => {
      loads++;
      return route.fulfill({ contentType: 'text/javascript', body: 'self.onmessage = () => { for (;;) {} };' });
    });
    // The page's watchdog allows a minute without progress; the page's clock is fast-forwarded past it instead of
    // waiting. Only the page's clock moves: the worker and the coordinator keep real time.
    await page.clock.install();
    const report = page.waitForRequest((r) => r.url().endsWith('/api/results'));

    await page.goto('/');
    await page.getByRole('button', { name: 'Start contributing' }).click();
    await expect(page.getByTestId('work-unit')).toBeVisible();
    await page.clock.fastForward('01:01');
    const problem = page.getByTestId('problem');
    await expect(problem).toContainText(/did not finish: it made no progress for a minute\. Trying it once more\./);
    await expect(problem.locator('details')).toContainText('WorkerHangError: no progress for 60 s');

    // Each run that starts hangs too; one past the bound per run until some replica has failed twice.
    let reported = false;
    void report.then(() => (reported = true));
    await expect(async () => {
      await page.clock.fastForward('01:01');
      expect(reported).toBe(true);
    }).toPass({ intervals: [500], timeout: 20_000 });
    const [entry] = (await (await report).postDataJSON()).results as {
      replicaId: string;
      status: string;
      error: { name: string };
    }[];
    expect(entry).toMatchObject({ status: 'error', error: { name: 'WorkerHangError' } });
    await expect(problem).toContainText(/failed twice \(it made no progress for a minute\), so it was reported/);
    // The first worker and a replacement after each hang.
    expect(loads).toBeGreaterThanOrEqual(3);
  },
);
