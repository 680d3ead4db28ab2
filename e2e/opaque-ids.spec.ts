import { expect, test, type Page } from '@playwright/test';
import { storeValues } from './support/idb.ts';

/**
 * A page that buffered and computed replicas under the coordinator's old sequential numbers (IndexedDB version 2)
 * upgrades to version 3 (web/lib/storage/opaque-ids-upgrade.ts) without losing them, and reports them by those
 * numbers; a number the coordinator did not send this host is refused by name, and the page lets it go.
 */

/** Writes a version-2 database as the page before opaque ids left it: one replica buffered, one result waiting. */
function writeVersion2(page: Page, deadline: number) {
  return page.evaluate(
    (deadline) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('terraflop', 2);
        open.onupgradeneeded = () => {
          for (const name of ['identity', 'settings', 'buffer', 'outbox', 'checkpoints', 'counters'])
            open.result.createObjectStore(name);
        };
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const tx = open.result.transaction(['buffer', 'outbox', 'checkpoints'], 'readwrite');
          const assignment = {
            replicaId: 70,
            workUnitId: 35,
            deadline,
            flopsEstimate: 1e6,
            app: 'collatz',
            input: { start: 1, count: 10 },
          };
          tx.objectStore('buffer').put({ assignment, attempts: 1 }, 70);
          tx.objectStore('checkpoints').put({ state: null, progress: 0.5, savedAt: 1 }, 70);
          const entry = { status: 'error', replicaId: 50, elapsedMs: 3, error: { name: 'KernelError', message: 'x' } };
          tx.objectStore('outbox').put({ entry, workUnitId: 25, computedAt: 1 }, 50);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
      }),
    deadline,
  );
}

/** The database's version and the buffer's indexes, as the page left them. */
const shape = (page: Page) =>
  page.evaluate(
    () =>
      new Promise<{ version: number; indexes: string[] }>((resolve, reject) => {
        const open = indexedDB.open('terraflop');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const indexes = [...db.transaction('buffer').objectStore('buffer').indexNames];
          db.close();
          resolve({ version: db.version, indexes });
        };
      }),
  );

test('upgrade: replicas kept under old numbers survive, and are reported by them', async ({ page }) => {
  await page.goto('/api/health'); // the coordinator's origin, without the page's code
  const deadline = Date.now() + 3_600_000;
  await writeVersion2(page, deadline);

  // Hold reports back until the upgrade is looked at.
  const reports: unknown[] = [];
  await page.route('**/api/results', (route) => route.abort('internetdisconnected'));
  // The page registers its host first (a fresh profile); a report sent before that is answered 401, not 403.
  const registered = page.waitForResponse((r) => r.url().endsWith('/api/hosts') && r.request().method() === 'POST');
  await page.goto('/');
  await expect.poll(async () => (await shape(page)).version, { timeout: 15_000 }).toBe(3);
  expect((await shape(page)).indexes).toEqual(['deadline']);
  expect(await storeValues(page, 'buffer')).toEqual([
    {
      assignment: { replicaId: 70, deadline, flopsEstimate: 1e6, app: 'collatz', input: { start: 1, count: 10 } },
      attempts: 1,
    },
  ]);
  expect(await storeValues(page, 'checkpoints')).toHaveLength(1);
  expect(await storeValues(page, 'outbox')).toEqual([
    {
      entry: { status: 'error', replicaId: 50, elapsedMs: 3, error: { name: 'KernelError', message: 'x' } },
      computedAt: 1,
    },
  ]);

  // Reported by its number. This coordinator never sent replica 50 to this host: refused by name (403), and the
  // page drops it rather than retrying it forever.
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/results'));
  page.on('request', (r) => {
    if (r.url().endsWith('/api/results')) reports.push(r.postDataJSON());
  });
  expect((await registered).status()).toBe(201);
  await page.unroute('**/api/results');
  await page.evaluate(() => dispatchEvent(new Event('online')));
  const answer = await answered;
  expect(answer.status()).toBe(403);
  expect(await answer.json()).toMatchObject({
    error: { name: 'ForeignReplicaError', issues: [{ path: 'results.0.replicaId' }] },
  });
  expect(reports[0]).toMatchObject({ results: [{ replicaId: 50 }] });
  await expect.poll(() => storeValues(page, 'outbox'), { timeout: 15_000 }).toEqual([]);
});
