import { afterEach, describe, expect, test } from 'vitest';
import { PublicStatus } from '../../protocol/research.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { Refreshed } from './public-cache.ts';

describe('Refreshed', () => {
  test('behavior: computes once per interval however many ask, and serves the last figures meanwhile', async () => {
    let now = 0,
      computed = 0;
    const value = new Refreshed(
      5000,
      async () => ++computed,
      () => now,
    );
    expect(await Promise.all([value.get(), value.get(), value.get()])).toEqual([1, 1, 1]); // one computation
    now = 4999;
    expect(await value.get()).toBe(1);
    now = 5000;
    expect(await value.get()).toBe(1); // stale at once, while the refresh runs
    await new Promise((r) => setTimeout(r, 0));
    expect(await value.get()).toBe(2);
    expect(computed).toBe(2);
  });

  test("error: a failed first computation is the caller's error, and the next get tries again", async () => {
    let fail = true;
    const value = new Refreshed(5000, async () => {
      if (fail) throw new Error('store down');
      return 'ok';
    });
    await expect(value.get()).rejects.toThrow('store down');
    fail = false;
    expect(await value.get()).toBe('ok');
  });
});

describe('the public status over HTTP', () => {
  let running: TestCoordinator | undefined;
  afterEach(() => running?.close());

  test('behavior: a flood of status requests is answered from one computation per interval', async () => {
    running = await startTestCoordinator('sqlite', { TERRAFLOP_PUBLIC_CACHE_MS: '600000' });
    const url = new URL('api/public/status', running.coordinator.url);
    const first = PublicStatus.parse(await (await fetch(url)).json());
    await running.research.createProject({
      name: 'Late',
      researcherName: 'A',
      keyHash: hashApiKey(newApiKey()),
      now: 1,
    });
    const replies = await Promise.all(
      Array.from({ length: 50 }, async () => PublicStatus.parse(await (await fetch(url)).json())),
    );
    // Every reply is the same computation (its `at`), and the project made since is not in it yet.
    expect(new Set(replies.map((r) => r.at))).toEqual(new Set([first.at]));
    expect(replies[0]!.projects.map((p) => p.name)).toEqual(first.projects.map((p) => p.name));
  });
});
