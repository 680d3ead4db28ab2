import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freshApiKey } from '../../research/api-key.ts';
import { LastLiveKeyError, ResearcherNameTakenError } from '../research-access.ts';
import { backends } from '../../testing/backends.ts';
import { freshStore } from '../../testing/store-fixture.ts';
import { SqlResearchStore } from './research-store.ts';
import { migrate } from './schema.ts';
import type { Db } from './db.ts';

describe.each(backends)("a project's researchers and keys on $name", ({ name, available }) => {
  let db: Db;
  let research: SqlResearchStore;
  let cleanup = async () => {};
  const now = 5_000_000;

  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    ({ db, cleanup } = await freshStore(name, () => 0));
    research = new SqlResearchStore(db);
  });
  afterEach(async () => {
    if (available) await cleanup();
  });

  async function project(projectName: string) {
    const { apiKey, stored } = freshApiKey();
    const { projectId, researcherId } = await research.createProject({
      name: projectName,
      researcherName: 'Ada',
      ...stored,
      now,
    });
    const { keyId } = (await research.findResearcherByKeyHash(stored.keyHash))!;
    return { projectId, researcherId, keyId, apiKey, stored };
  }

  test('default: researchers and keys are listed with their first characters, never a hash', async () => {
    const a = await project('Pulsars');
    const extra = freshApiKey();
    const extraId = await research.createApiKey({ researcherId: a.researcherId, key: extra.stored, now: now + 1 });
    const bob = freshApiKey();
    const added = await research.addResearcher({ projectId: a.projectId, name: 'Bob', key: bob.stored, now: now + 2 });

    const access = await research.projectAccess(a.projectId, extraId);
    expect(access).toEqual([
      {
        researcherId: a.researcherId,
        name: 'Ada',
        createdAt: now,
        keys: [
          {
            keyId: a.keyId,
            prefix: a.apiKey.slice(0, 11),
            createdAt: now,
            lastUsedAt: null,
            revokedAt: null,
            current: false,
          },
          {
            keyId: extraId,
            prefix: extra.apiKey.slice(0, 11),
            createdAt: now + 1,
            lastUsedAt: null,
            revokedAt: null,
            current: true,
          },
        ],
      },
      {
        researcherId: added.researcherId,
        name: 'Bob',
        createdAt: now + 2,
        keys: [
          {
            keyId: added.keyId,
            prefix: bob.apiKey.slice(0, 11),
            createdAt: now + 2,
            lastUsedAt: null,
            revokedAt: null,
            current: false,
          },
        ],
      },
    ]);
    expect(JSON.stringify(access)).not.toContain(a.stored.keyHash);
    expect(await research.findResearcherByKeyHash(bob.stored.keyHash)).toEqual({
      projectId: a.projectId,
      researcherId: added.researcherId,
      keyId: added.keyId,
      lastUsedAt: null,
    });
  });

  test('behavior: a key records its last use', async () => {
    const a = await project('Pulsars');
    await research.touchApiKey(a.keyId, now + 60_000);
    expect((await research.findResearcherByKeyHash(a.stored.keyHash))!.lastUsedAt).toBe(now + 60_000);
    expect((await research.projectAccess(a.projectId, a.keyId))[0]!.keys[0]!.lastUsedAt).toBe(now + 60_000);
  });

  test('behavior: a revoked key no longer authenticates; revoking it again changes nothing', async () => {
    const a = await project('Pulsars');
    const extra = freshApiKey();
    await research.createApiKey({ researcherId: a.researcherId, key: extra.stored, now });
    expect(await research.revokeApiKey(a.projectId, a.keyId, now + 10)).toEqual({
      keyId: a.keyId,
      revokedAt: now + 10,
    });
    expect(await research.findResearcherByKeyHash(a.stored.keyHash)).toBeUndefined();
    expect(await research.revokeApiKey(a.projectId, a.keyId, now + 20)).toEqual({
      keyId: a.keyId,
      revokedAt: now + 10,
    });
    expect(await research.findResearcherByKeyHash(extra.stored.keyHash)).toBeDefined();
  });

  test("error: the project's last live key is not revoked", async () => {
    const a = await project('Pulsars');
    const bob = freshApiKey();
    const added = await research.addResearcher({ projectId: a.projectId, name: 'Bob', key: bob.stored, now });
    await research.revokeApiKey(a.projectId, added.keyId, now);
    await expect(research.revokeApiKey(a.projectId, a.keyId, now)).rejects.toThrow(LastLiveKeyError);
    expect(await research.findResearcherByKeyHash(a.stored.keyHash)).toBeDefined();
  });

  test('error: a key of another project is neither found nor revoked', async () => {
    const a = await project('Pulsars');
    const b = await project('Comets');
    await research.createApiKey({ researcherId: b.researcherId, key: freshApiKey().stored, now });
    expect(await research.revokeApiKey(a.projectId, b.keyId, now)).toBeUndefined();
    expect(await research.revokeApiKey(a.projectId, 999_999, now)).toBeUndefined();
    expect(await research.findResearcherByKeyHash(b.stored.keyHash)).toBeDefined();
    expect((await research.projectAccess(a.projectId, a.keyId)).map((r) => r.name)).toEqual(['Ada']);
  });

  test('error: a second researcher of the same name is refused and nothing is stored', async () => {
    const a = await project('Pulsars');
    const twin = freshApiKey();
    await expect(
      research.addResearcher({ projectId: a.projectId, name: 'Ada', key: twin.stored, now }),
    ).rejects.toThrow(ResearcherNameTakenError);
    expect(await research.findResearcherByKeyHash(twin.stored.keyHash)).toBeUndefined();
    expect(await research.projectAccess(a.projectId, a.keyId)).toHaveLength(1);
    // Another project may have its own Ada.
    const b = await project('Comets');
    expect((await research.projectAccess(b.projectId, b.keyId))[0]!.name).toBe('Ada');
  });

  test('behavior: migration 6 keeps the keys made before it, with ids and no first characters', async () => {
    // A database as migration 5 left it, with one project, researcher and key, migrated to the end.
    const old = await freshStore(name, () => 0, { upTo: 5 });
    try {
      const db = old.db;
      const a = { stored: freshApiKey().stored, projectId: 1, researcherId: 1 };
      await db.run("INSERT INTO projects (id, name, created_at) VALUES (1, 'Pulsars', ?)", [now]);
      await db.run("INSERT INTO researchers (id, project_id, name, created_at) VALUES (1, 1, 'Ada', ?)", [now]);
      await db.run('INSERT INTO api_keys (key_hash, researcher_id, created_at) VALUES (?, 1, ?)', [
        a.stored.keyHash,
        now,
      ]);
      await migrate(db);
      const research = new SqlResearchStore(db);
      const found = (await research.findResearcherByKeyHash(a.stored.keyHash))!;
      expect(found).toMatchObject({ projectId: a.projectId, researcherId: a.researcherId });
      expect((await research.projectAccess(a.projectId, found.keyId))[0]!.keys).toEqual([
        { keyId: found.keyId, prefix: null, createdAt: now, lastUsedAt: null, revokedAt: null, current: true },
      ]);
      const next = await research.createApiKey({ researcherId: a.researcherId, key: freshApiKey().stored, now });
      expect(next).toBeGreaterThan(found.keyId);
    } finally {
      await old.cleanup();
    }
  });
});
