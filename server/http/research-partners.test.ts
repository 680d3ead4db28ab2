import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ProjectPartners } from '../../protocol/partner.ts';
import { runReference } from '../../worker-kernels/registry.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { ProjectNameTakenError } from '../store/research.ts';
import type { ResearchStore } from '../store/research.ts';
import type { StoreInspector } from '../store/sql/inspect.ts';
import type { Store } from '../store/store.ts';
import type { Stores } from '../store/stores.ts';
import type { Host } from '../store/types.ts';
import { backends } from '../testing/backends.ts';
import { drain } from '../testing/drain.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { createApi } from './app.ts';

/** Hosts' token hashes: unique, not random. */
let tokens = 0;

const MAGAZINE = 'https://magazine.example';
const UNIVERSITY = 'https://uni.example';

describe.each(backends)("a project's partners on $name", ({ name, available }) => {
  let store: Store;
  let inspect: StoreInspector;
  let research: ResearchStore;
  let api: ReturnType<typeof createApi>;
  let cleanup = async () => {};
  const now = 7_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    // The coin never issues a lone replica: every unit goes to a quorum of two, as a new host's would.
    let stores: Stores;
    ({ store, stores, inspect, cleanup } = await freshStore(name, () => 0));
    research = stores.research;
    api = createApi({ store, research });
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  async function project(projectName: string) {
    const key = newApiKey();
    const { projectId } = await research.createProject({
      name: projectName,
      researcherName: 'Ada',
      keyHash: hashApiKey(key),
      now,
    });
    const partners = async (query = '') => {
      const res = await api.request(`/research/partners${query}`, { headers: { authorization: `Bearer ${key}` } });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    return { projectId, partners };
  }

  const host = (partner?: string) => store.createHost({ tokenHash: `t-${++tokens}`, partner, now });

  /** The host takes every replica it may have and returns a correct result for each. */
  async function computeAll(h: Host): Promise<void> {
    const issued = await store.issueReplicas(h, 64, now);
    const results = issued.map((r) => ({
      status: 'success' as const,
      token: r.token,
      elapsedMs: 5,
      variant: 'reference' as const,
      result: runReference(r.job, { progress() {}, checkpoint() {} }),
    }));
    await store.recordResults(h, results, now);
  }

  const hostCredit = async (h: Host) => (await store.hostSummary(h.id, now)).credit.total;

  test(
    "default: each project sees only its own units' figures per partner; " + "another project's key sees none of them",
    async () => {
      const a = await project('Pulsars');
      const b = await project('Comets');
      await research.createProjectBatch({
        projectId: a.projectId,
        app: 'signal-search',
        name: 'a',
        units: tinyUnits(2),
        now,
      });
      // A's two units go to a magazine host and a university host; B's one unit, created later, to another magazine
      // host and a host with no partner.
      const [m1, u1] = [await host(MAGAZINE), await host(UNIVERSITY)];
      await computeAll(m1);
      await computeAll(u1);
      await research.createProjectBatch({
        projectId: b.projectId,
        app: 'signal-search',
        name: 'b',
        units: tinyUnits(1),
        now,
      });
      const [m2, plain] = [await host(MAGAZINE), await host()];
      await computeAll(m2);
      await computeAll(plain);
      await drain(store, now);

      const ofA = ProjectPartners.parse((await a.partners()).body);
      expect(
        ofA.partners
          .map(({ partner, hosts, results }) => ({ partner, hosts, results }))
          .sort((x, y) => x.partner.localeCompare(y.partner)),
      ).toEqual([
        { partner: MAGAZINE, hosts: 1, results: 2 },
        { partner: UNIVERSITY, hosts: 1, results: 2 },
      ]);
      // Each host computed for one project only, so its whole credit is that project's credit for its partner.
      const creditOfA = Object.fromEntries(ofA.partners.map((p) => [p.partner, p.credit]));
      expect(creditOfA[MAGAZINE]).toBeGreaterThan(0);
      expect(creditOfA[MAGAZINE]).toBeCloseTo(await hostCredit(m1), 9);
      expect(creditOfA[UNIVERSITY]).toBeCloseTo(await hostCredit(u1), 9);

      // B sees its one magazine host and nothing of A's: not the university, not m1's results or credit.
      const ofB = ProjectPartners.parse((await b.partners()).body);
      expect(ofB.partners).toEqual([
        { partner: MAGAZINE, hosts: 1, results: 1, credit: expect.closeTo(await hostCredit(m2), 9) },
      ]);
      expect(ofB.partners[0]!.credit).toBeGreaterThan(0);

      // The public leaderboard sums both projects (and the demo's) per partner.
      const board = (await (await api.request('/partners/leaderboard')).json()) as {
        partners: { partner: string; hosts: number }[];
      };
      expect(board.partners.find((p) => p.partner === MAGAZINE)?.hosts).toBe(2);
    },
  );

  test('behavior: a project no widget has computed for sees an empty list', async () => {
    const a = await project('Quiet');
    expect(await a.partners()).toEqual({ status: 200, body: { partners: [] } });
  });

  test('error: no key, or a bad limit, is refused', async () => {
    expect((await api.request('/research/partners')).status).toBe(401);
    const a = await project('Limits');
    const bad = await a.partners('?limit=0');
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toContain('limit');
  });

  test("error: a project whose short name is taken (or is the demo's) is refused, and nothing is created", async () => {
    await project('Pulsar Search');
    const count = async () => (await inspect.counts()).projects;
    for (const clash of ['pulsar-search', 'PULSAR  search!', 'Demo']) {
      const attempt = research.createProject({
        name: clash,
        researcherName: 'Eve',
        keyHash: hashApiKey(newApiKey()),
        now,
      });
      await expect(attempt).rejects.toThrow(ProjectNameTakenError);
      await expect(attempt).rejects.toThrow('short name');
    }
    expect(await count()).toBe(1);
  });
});
