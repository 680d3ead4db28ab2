import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ResearchStore } from '../store/research.ts';
import type { StoreInspector } from '../store/sql/inspect.ts';
import type { Store } from '../store/store.ts';
import type { Stores } from '../store/stores.ts';
import { backends } from '../testing/backends.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { hashToken, newToken } from './auth.ts';
import { createApi } from './app.ts';

describe.each(backends)('a work request for one project on $name', ({ name, available }) => {
  let store: Store;
  let inspect: StoreInspector;
  let research: ResearchStore;
  let api: ReturnType<typeof createApi>;
  let cleanup = async () => {};
  const now = Date.now();

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    let stores: Stores;
    ({ store, stores, inspect, cleanup } = await freshStore(name, () => 0));
    research = stores.research;
    api = createApi({ store, research });
    // The demo's units are older than the project's: without the filter they would go out first.
    await store.createBatch({ app: 'signal-search', name: 'demo', units: tinyUnits(4), now });
    const { projectId } = await research.createProject({
      name: 'Pulsar Search 2',
      researcherName: 'Ada',
      keyHash: 'k',
      now,
    });
    await research.createProjectBatch({ projectId, app: 'signal-search', name: 'p', units: tinyUnits(3), now });
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  async function ask(body: object) {
    const token = newToken();
    await store.createHost({ tokenHash: hashToken(token), now });
    // A long record, so that the new host's small cap (server/store/quota.ts) is not what this test is about.
    await inspect.giveRecord('record', 10000);
    const res = await api.request('/work', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ maxReplicas: 10, ...body }),
    });
    return {
      status: res.status,
      body: (await res.json()) as {
        replicas?: { replicaId: string; project?: string }[];
        error?: { message: string };
      },
    };
  }

  /** The projects of these replicas, found by their tokens (the only id a host is given). */
  const projectsOf = async (sent: { replicaId: string }[]) => {
    const tokens = new Set(sent.map((r) => r.replicaId));
    const ids = new Set((await inspect.replicas()).filter((r) => tokens.has(r.token ?? '')).map((r) => r.workUnitId));
    return [...new Set((await inspect.units()).filter((u) => ids.has(u.id)).map((u) => u.projectId))];
  };

  test("default: a request naming a project by short name gets only that project's units", async () => {
    const { status, body } = await ask({ project: 'pulsar-search-2' });
    expect(status).toBe(200);
    expect(body.replicas).toHaveLength(3);
    expect(await projectsOf(body.replicas!)).not.toContain(0);
  });

  test('behavior: "demo" names the coordinator\'s own batches; no project means any', async () => {
    const demo = await ask({ project: 'demo' });
    expect(demo.body.replicas).toHaveLength(4);
    expect(await projectsOf(demo.body.replicas!)).toEqual([0]);
    const any = await ask({});
    expect(any.body.replicas).toHaveLength(7);
    // Each replica names its project, so the page can say whom it computes for.
    expect(any.body.replicas!.map((r) => r.project).sort()).toEqual([
      ...Array(4).fill('demo'),
      ...Array(3).fill('pulsar-search-2'),
    ]);
  });

  test('error: an unknown project is a 400 naming it, and nothing is issued', async () => {
    const { status, body } = await ask({ project: 'no-such-project' });
    expect(status).toBe(400);
    expect(body.error!.message).toContain('project: no project "no-such-project"');
    expect((await inspect.counts()).sentReplicas).toBe(0);
  });
});
