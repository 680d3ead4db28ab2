import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { ApiErrorBody } from '../../protocol/errors.ts';
import { ApiKeyCreated, ApiKeyRevoked, ResearcherList } from '../../protocol/research-access.ts';
import { freshApiKey } from '../research/api-key.ts';
import { openApiDocument } from '../research/openapi.ts';
import type { ResearchStore } from '../store/research.ts';
import type { Store } from '../store/store.ts';
import type { Stores } from '../store/stores.ts';
import { backends } from '../testing/backends.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { createApi } from './app.ts';

describe.each(backends)("researchers manage their project's access on $name", ({ name, available }) => {
  let research: ResearchStore;
  let api: ReturnType<typeof createApi>;
  let cleanup = async () => {};

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    let store: Store;
    let stores: Stores;
    ({ store, stores, cleanup } = await freshStore(name, () => 0));
    research = stores.research;
    api = createApi({ store, research });
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  const as = (key: string) => async (method: string, path: string, body?: unknown) => {
    const res = await api.request(`/research${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as unknown };
  };

  async function project(projectName: string) {
    const { apiKey, stored } = freshApiKey();
    await research.createProject({ name: projectName, researcherName: 'Ada', ...stored, now: Date.now() });
    const call = as(apiKey);
    const list = async () => ResearcherList.parse((await call('GET', '/researchers')).body).researchers;
    return { apiKey, call, list };
  }

  test(
    'default: the project lists its researchers and keys, ' + 'marking the one in use, never a key or its hash',
    async () => {
      const a = await project('Pulsars');
      const { status, body } = await a.call('GET', '/researchers');
      expect(status).toBe(200);
      const [ada] = ResearcherList.parse(body).researchers;
      expect(ada).toMatchObject({
        name: 'Ada',
        keys: [{ prefix: a.apiKey.slice(0, 11), revokedAt: null, current: true }],
      });
      // The request itself was a use of the key.
      expect(ada!.keys[0]!.lastUsedAt).toEqual(expect.any(Number));
      expect(JSON.stringify(body)).not.toContain(a.apiKey);
    },
  );

  test('behavior: a researcher makes a second key, it works, and the first one revoked gets 401', async () => {
    const a = await project('Pulsars');
    const made = await a.call('POST', '/keys');
    expect(made.status).toBe(201);
    const second = ApiKeyCreated.parse(made.body);
    const b = as(second.apiKey);
    expect((await b('GET', '/project')).status).toBe(200);
    const first = (await a.list())[0]!.keys[0]!;
    const revoked = await b('POST', `/keys/${first.keyId}/revoke`);
    expect(revoked.status).toBe(200);
    expect(ApiKeyRevoked.parse(revoked.body).keyId).toBe(first.keyId);
    const refused = await a.call('GET', '/project');
    expect(refused.status).toBe(401);
    expect(ApiErrorBody.parse(refused.body).error.message).toBe('unknown or revoked API key');
    const keys = ResearcherList.parse((await b('GET', '/researchers')).body).researchers[0]!.keys;
    expect(keys.map((k) => [k.keyId, k.revokedAt !== null, k.current])).toEqual([
      [first.keyId, true, false],
      [second.keyId, false, true],
    ]);
  });

  test('behavior: a researcher adds another, whose first key works on the same project', async () => {
    const a = await project('Pulsars');
    const added = await a.call('POST', '/researchers', { name: '  Bob ' });
    expect(added.status).toBe(201);
    const bob = ApiKeyCreated.parse(added.body);
    const asBob = as(bob.apiKey);
    expect(((await asBob('GET', '/project')).body as { name: string }).name).toBe('Pulsars');
    expect((await a.list()).map((r) => [r.name, r.keys.length])).toEqual([
      ['Ada', 1],
      ['Bob', 1],
    ]);
  });

  test("error: another project's key can neither list nor revoke this project's keys", async () => {
    const a = await project('Pulsars');
    const b = await project('Comets');
    await a.call('POST', '/keys');
    const before = await a.list();
    expect((await b.list()).map((r) => r.name)).toEqual(['Ada']);
    expect(JSON.stringify(await b.list())).not.toContain(a.apiKey.slice(0, 11));
    for (const key of before[0]!.keys) {
      const res = await b.call('POST', `/keys/${key.keyId}/revoke`);
      expect(res.status).toBe(404);
      expect(ApiErrorBody.parse(res.body).error.message).toBe(`no key ${key.keyId} in your project`);
    }
    expect((await a.call('GET', '/project')).status).toBe(200);
    expect((await a.list()).map((r) => r.keys.map((k) => k.revokedAt))).toEqual(
      before.map((r) => r.keys.map((k) => k.revokedAt)),
    );
  });

  test("error: the project's last live key cannot be revoked (409), even by another researcher", async () => {
    const a = await project('Pulsars');
    const [ada] = await a.list();
    const alone = await a.call('POST', `/keys/${ada!.keys[0]!.keyId}/revoke`);
    expect(alone.status).toBe(409);
    expect(ApiErrorBody.parse(alone.body).error).toMatchObject({
      name: 'LastLiveKeyError',
      message: expect.stringContaining('last live key'),
    });
    const bob = ApiKeyCreated.parse((await a.call('POST', '/researchers', { name: 'Bob' })).body);
    expect((await as(bob.apiKey)('POST', `/keys/${ada!.keys[0]!.keyId}/revoke`)).status).toBe(200);
    expect((await as(bob.apiKey)('POST', `/keys/${bob.keyId}/revoke`)).status).toBe(409);
    expect((await as(bob.apiKey)('GET', '/project')).status).toBe(200);
  });

  test('error: bad requests name what is wrong and change nothing', async () => {
    const a = await project('Pulsars');
    const cases: Array<[string, string, unknown, number, string]> = [
      ['POST', '/researchers', { name: '' }, 400, 'invalid new researcher: name:'],
      [
        'POST',
        '/researchers',
        { name: 'Bob', role: 'admin' },
        400,
        'invalid new researcher: (root): Unrecognized key: "role"',
      ],
      ['POST', '/researchers', { name: 'Bob\u0007' }, 400, 'name: must not contain control characters'],
      ['POST', '/researchers', { name: 'Ada' }, 409, 'the project already has a researcher named "Ada"'],
      ['POST', '/keys/abc/revoke', undefined, 400, 'invalid key id'],
      ['POST', '/keys/0/revoke', undefined, 400, 'invalid key id'],
    ];
    for (const [method, path, body, status, message] of cases) {
      const res = await a.call(method, path, body);
      expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(status);
      expect(ApiErrorBody.parse(res.body).error.message).toContain(message);
    }
    const list = await a.list();
    expect(list.map((r) => [r.name, r.keys.length, r.keys[0]!.revokedAt])).toEqual([['Ada', 1, null]]);
    expect((await api.request('/research/researchers')).status).toBe(401);
  });
});

test(
  'default: the OpenAPI description has the access and sign-up routes, ' + 'their bodies from the protocol schemas',
  () => {
    const doc = openApiDocument() as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties?: Record<string, unknown> }> };
    };
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/research/researchers',
        '/api/research/keys',
        '/api/research/keys/{id}/revoke',
        '/api/research/projects',
      ]),
    );
    expect(Object.keys(doc.components.schemas['NewResearcher']!.properties!)).toEqual(['name']);
    expect(Object.keys(doc.components.schemas['ProjectSignup']!.properties!)).toEqual(['name', 'researcherName']);
    expect(Object.keys(doc.components.schemas['ApiKeyCreated']!.properties!)).toContain('apiKey');
  },
);
