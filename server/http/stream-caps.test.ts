import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { eventually } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { STREAMS_PER_KEY, StreamCaps, TooManyStreamsError } from './stream-caps.ts';

let running: TestCoordinator;
beforeAll(async () => {
  running = await startTestCoordinator();
});
afterAll(() => running.close());

describe('live progress streams are capped', () => {
  test('error: past its cap a key gets a 429 naming it; a closed stream gives its place back', async () => {
    const key = newApiKey();
    const now = Date.now();
    await running.research.createProject({ name: 'Streams', researcherName: 'Ada', keyHash: hashApiKey(key), now });
    const call = (method: string, path: string, body?: unknown) =>
      fetch(new URL(path, running.coordinator.url), {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
    const created = await call('POST', '/api/research/batches', {
      name: 'watched',
      units: tinyUnits(1).map((u) => u.job),
    });
    const { batchId } = (await created.json()) as { batchId: number };
    const events = `/api/research/batches/${batchId}/events`;
    const open = [];
    for (let i = 0; i < STREAMS_PER_KEY; i++) {
      const res = await call('GET', events);
      expect(res.status).toBe(200);
      open.push(res.body!.getReader());
      await open.at(-1)!.read(); // the first event: the stream is live
    }
    const refused = await call('GET', events);
    expect(refused.status).toBe(429);
    expect(await refused.json()).toMatchObject({
      error: { name: 'TooManyStreamsError', message: expect.stringContaining('this API key has 4 open') },
    });
    // A plain progress read is not a stream, and is still answered.
    expect((await call('GET', `/api/research/batches/${batchId}`)).status).toBe(200);
    await open.pop()!.cancel();
    const again = await eventually(async () => {
      const res = await call('GET', events);
      if (res.status === 200) return res;
      await res.body?.cancel();
      return undefined;
    });
    await again.body!.cancel();
    for (const reader of open) await reader.cancel();
  });

  test('behavior: a project is capped across its keys, and a place is given back once', () => {
    const caps = new StreamCaps({ perKey: 2, perProject: 3 });
    const a1 = caps.open(1, 7);
    caps.open(1, 7);
    expect(() => caps.open(1, 7)).toThrow(TooManyStreamsError);
    caps.open(2, 7);
    expect(() => caps.open(3, 7)).toThrow(/this project has 3 open/);
    a1();
    a1(); // twice: still one place
    caps.open(3, 7);
    expect(() => caps.open(4, 7)).toThrow(/this project has 3 open/);
    expect(() => caps.open(5, 8)).not.toThrow();
  });
});
