import { expect, test, type Page } from '@playwright/test';
import { getAsHost } from './support/idb.ts';

const count = async (page: Page, testId: string) => Number(await page.getByTestId(testId).textContent());

test('offline mid-run: computing goes on from the buffer, and every result arrives once when back online', async ({
  page,
  context,
}) => {
  const sent = new Set<string>();
  const accepted: string[] = [];
  const rejected: unknown[] = [];
  page.on('request', (request) => {
    if (!request.url().endsWith('/api/results')) return;
    for (const r of (request.postDataJSON() as { results: { replicaId: string }[] }).results) sent.add(r.replicaId);
  });
  page.on('response', async (response) => {
    if (!response.url().endsWith('/api/results') || !response.ok()) return;
    const reply = (await response.json()) as { accepted: string[]; rejected: unknown[] };
    accepted.push(...reply.accepted);
    rejected.push(...reply.rejected);
  });

  // The connection drops the moment a reply brings replicas: the page then holds work and no network, whatever the
  // timing. (A new host holds at most four replicas, server/store/quota.ts, and computes tiny demo units in
  // milliseconds, so its buffer is seldom full when looked at; waiting for a full one made this spec flaky.)
  await page.goto('/');
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect.poll(() => count(page, 'units-done'), { timeout: 30_000 }).toBeGreaterThan(0); // the kernel is loaded

  let broughtOffline = 0;
  await page.route('**/api/work', async (route) => {
    // route.fetch() goes from Playwright, past the browser's offline switch: offline, the request fails as it would.
    if (broughtOffline > 0) return route.abort('internetdisconnected');
    const response = await route.fetch();
    const replicas = response.ok() ? ((await response.json()) as { replicas: unknown[] }).replicas.length : 0;
    if (replicas >= 2 && !page.isClosed()) {
      broughtOffline = replicas;
      await context.setOffline(true);
    }
    await route.fulfill({ response });
  });
  await expect.poll(() => broughtOffline, { timeout: 60_000 }).toBeGreaterThanOrEqual(2);

  // Units go on being computed; their results wait in the outbox (an upload already on its way may still land).
  await expect.poll(() => count(page, 'outbox'), { timeout: 30_000 }).toBeGreaterThanOrEqual(1);
  await expect(page.getByTestId('state')).toContainText('Results wait to upload', { timeout: 30_000 });
  const doneOffline = await count(page, 'units-done');
  // Every replica of the reply that came as the connection dropped is computed offline.
  await expect.poll(() => count(page, 'outbox'), { timeout: 30_000 }).toBeGreaterThanOrEqual(broughtOffline);
  expect(await count(page, 'units-done')).toBe(doneOffline);

  // Back online, with computing stopped: what waits in the outbox must all arrive. (While tiny demo units keep being
  // computed, new results join the outbox as fast as the host's rate limit lets uploads go, so it seldom reads 0.)
  await page.unroute('**/api/work');
  await context.setOffline(false);
  await page.getByRole('button', { name: 'Stop contributing' }).click();

  // A unit already computing when the volunteer stops still finishes and is sent, so every count is compared live
  // until the page is at rest: the outbox empty, every result sent answered, and the page's count of units done
  // (it counts a unit when its acknowledgement is stored, a moment after the response event fires here) equal to
  // what the coordinator accepted.
  const coordinatorResults = async () => {
    const { results } = (await getAsHost(page, '/api/hosts/me')) as {
      results: { pending: number; valid: number; invalid: number };
    };
    return results.pending + results.valid + results.invalid;
  };
  await expect
    .poll(
      async () => ({
        outbox: await count(page, 'outbox'),
        unanswered: sent.size - accepted.length - rejected.length,
        uncounted: (await count(page, 'units-done')) - accepted.length,
        // The coordinator agrees: it holds a result for each of them.
        unrecorded: (await coordinatorResults()) - accepted.length,
      }),
      { timeout: 30_000 },
    )
    .toEqual({ outbox: 0, unanswered: 0, uncounted: 0, unrecorded: 0 });

  // Every result sent was accepted exactly once; none refused, none lost.
  expect(rejected).toEqual([]);
  expect(new Set(accepted).size).toBe(accepted.length);
  expect(new Set(accepted)).toEqual(sent);
});
