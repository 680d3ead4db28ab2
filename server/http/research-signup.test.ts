import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { ApiErrorBody } from '../../protocol/errors.ts';
import { ProjectCreated } from '../../protocol/research.ts';
import { loadConfig } from '../config.ts';
import { startCoordinator } from '../coordinator.ts';
import { freshStore } from '../testing/store-fixture.ts';
import { createApi } from './app.ts';
import { SIGNUP_RATE } from './research-signup.ts';

describe('project sign-up', () => {
  let cleanup = async () => {};
  afterEach(async () => {
    await cleanup();
    cleanup = async () => {};
  });

  async function api(openSignup: boolean) {
    const fresh = await freshStore('sqlite', () => 0);
    cleanup = fresh.cleanup;
    const research = fresh.stores.research;
    const app = createApi({ store: fresh.store, research, openSignup });
    /** A sign-up from `address`, as the Node server's socket would report it. */
    const signup = async (body: unknown, address = '192.0.2.1') => {
      const res = await app.request(
        '/research/projects',
        { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) },
        { incoming: { socket: { remoteAddress: address } } },
      );
      return { status: res.status, headers: res.headers, body: (await res.json()) as unknown };
    };
    const projects = async () => (await research.publicStatus(Date.now())).projects.map((p) => p.name);
    return { app, signup, projects };
  }

  test('default: closed, it answers 403 naming the operator command, and creates nothing', async () => {
    const { signup, projects } = await api(false);
    const res = await signup({ name: 'Pulsars', researcherName: 'Ada' });
    expect(res.status).toBe(403);
    expect(ApiErrorBody.parse(res.body).error).toMatchObject({
      name: 'SignupClosedError',
      message: expect.stringContaining('npx terraflop project create'),
    });
    expect(await projects()).toEqual([]);
  });

  test('behavior: open, anyone makes a project whose key works at once', async () => {
    const { app, signup, projects } = await api(true);
    const res = await signup({ name: ' Pulsars ', researcherName: 'Ada' });
    expect(res.status).toBe(201);
    const { apiKey } = ProjectCreated.parse(res.body);
    const project = await app.request('/research/project', { headers: { authorization: `Bearer ${apiKey}` } });
    expect(((await project.json()) as { name: string }).name).toBe('Pulsars');
    expect(await projects()).toEqual(['Pulsars']);
  });

  test('error: bad or taken names are refused with what is wrong, and nothing is stored', async () => {
    const { signup, projects } = await api(true);
    await signup({ name: 'Pulsars', researcherName: 'Ada' });
    const cases: Array<[unknown, number, string]> = [
      [{ name: 'Pulsars', researcherName: 'Bob' }, 409, 'a project named "Pulsars" already exists'],
      [{ name: 'PULSARS!', researcherName: 'Bob' }, 409, 'short name "pulsars"'],
      [{ name: '***', researcherName: 'Bob' }, 400, 'name: must contain a letter or a digit'],
      [{ name: 'Comets' }, 400, 'researcherName:'],
    ];
    for (const [body, status, message] of cases) {
      const res = await signup(body, `198.51.100.${status}`);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(ApiErrorBody.parse(res.body).error.message).toContain(message);
    }
    expect(await projects()).toEqual(['Pulsars']);
  });

  test(
    'error: one address gets a few sign-ups, ' + 'then 429 with Retry-After; another address still signs up',
    async () => {
      const { signup, projects } = await api(true);
      for (let i = 0; i < SIGNUP_RATE.burst; i++)
        expect((await signup({ name: `Flood ${i}`, researcherName: 'Eve' })).status).toBe(201);
      const over = await signup({ name: 'Flood more', researcherName: 'Eve' });
      expect(over.status).toBe(429);
      expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
      expect((await signup({ name: 'Comets', researcherName: 'Ada' }, '203.0.113.9')).status).toBe(201);
      expect(await projects()).not.toContain('Flood more');
    },
  );

  test(
    'behavior: TERRAFLOP_OPEN_SIGNUP=1 opens it on a running coordinator; ' + 'any other value than 0 or 1 is refused',
    async () => {
      expect(() => loadConfig({ TERRAFLOP_OPEN_SIGNUP: 'yes' })).toThrow(/TERRAFLOP_OPEN_SIGNUP/);
      expect(loadConfig({}).TERRAFLOP_OPEN_SIGNUP).toBe(false);
      const dir = mkdtempSync(join(tmpdir(), 'terraflop-signup-'));
      const env = {
        TERRAFLOP_DATA: dir,
        TERRAFLOP_PORT: '0',
        TERRAFLOP_DEMO: 'off',
        TERRAFLOP_WEB: dir,
        TERRAFLOP_CHAIN: 'off',
        TERRAFLOP_OPEN_SIGNUP: '1',
      };
      const coordinator = await startCoordinator(loadConfig(env));
      cleanup = async () => {
        await coordinator.close();
        rmSync(dir, { recursive: true, force: true });
      };
      const res = await fetch(new URL('/api/research/projects', coordinator.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'Pulsars', researcherName: 'Ada' }),
      });
      expect(res.status).toBe(201);
      const { apiKey } = ProjectCreated.parse(await res.json());
      const project = await fetch(new URL('/api/research/project', coordinator.url), {
        headers: { authorization: `Bearer ${apiKey}` },
      });
      expect(project.status).toBe(200);
    },
  );
});
