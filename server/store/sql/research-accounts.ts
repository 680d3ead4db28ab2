/**
 * @module server/store/sql/research-accounts
 * ResearchAccessStore over SQL (SQLite and Postgres): a project's researchers and their API keys. Every statement
 * names the project, so a key of one project never reads or changes another's researchers or keys.
 */
import type { ApiKeyInfo, ResearcherAccount } from '../../../protocol/research-access.ts';
import {
  LastLiveKeyError,
  ResearcherNameTakenError,
  type ResearchAccessStore,
  type ResearcherKey,
} from '../research-access.ts';
import type { Db, Queryable } from './db.ts';

const num = (v: unknown) => Number(v);
const numOrNull = (v: unknown) => (v === null || v === undefined ? null : Number(v));

export async function findResearcherByKeyHash(db: Db, keyHash: string): Promise<ResearcherKey | undefined> {
  const row = await db.get<{ id: unknown; researcher_id: unknown; project_id: unknown; last_used_at: unknown }>(
    `SELECT k.id, k.researcher_id, r.project_id, k.last_used_at
      FROM api_keys k JOIN researchers r ON r.id = k.researcher_id
      WHERE k.key_hash = ? AND k.revoked_at IS NULL`,
    [keyHash],
  );
  return (
    row && {
      keyId: num(row.id),
      researcherId: num(row.researcher_id),
      projectId: num(row.project_id),
      lastUsedAt: numOrNull(row.last_used_at),
    }
  );
}

export async function touchApiKey(db: Db, keyId: number, now: number): Promise<void> {
  await db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [now, keyId]);
}

/** Inserts a key; `keyPrefix` is null only for a project made without one (tests that make up their hashes). */
export async function insertApiKey(
  q: Queryable,
  researcherId: number,
  { keyHash, keyPrefix }: { keyHash: string; keyPrefix: string | null },
  now: number,
): Promise<number> {
  const row = await q.get<{ id: unknown }>(
    'INSERT INTO api_keys (key_hash, key_prefix, researcher_id, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    [keyHash, keyPrefix, researcherId, now],
  );
  return num(row!.id);
}

export async function projectAccess(db: Db, projectId: number, currentKeyId: number): Promise<ResearcherAccount[]> {
  // One read transaction, so a key made between the two reads never shows without its researcher.
  return db.transaction(async (q) => {
    const researchers = await q.all<{ id: unknown; name: string; created_at: unknown }>(
      'SELECT id, name, created_at FROM researchers WHERE project_id = ? ORDER BY id',
      [projectId],
    );
    const keys = await q.all<{
      id: unknown;
      researcher_id: unknown;
      key_prefix: string | null;
      created_at: unknown;
      last_used_at: unknown;
      revoked_at: unknown;
    }>(
      `SELECT k.id, k.researcher_id, k.key_prefix, k.created_at, k.last_used_at, k.revoked_at
        FROM api_keys k JOIN researchers r ON r.id = k.researcher_id WHERE r.project_id = ? ORDER BY k.id`,
      [projectId],
    );
    const byResearcher = new Map<number, ApiKeyInfo[]>();
    for (const k of keys) {
      const keyId = num(k.id);
      const info = {
        keyId,
        prefix: k.key_prefix,
        createdAt: num(k.created_at),
        lastUsedAt: numOrNull(k.last_used_at),
        revokedAt: numOrNull(k.revoked_at),
        current: keyId === currentKeyId,
      };
      byResearcher.set(num(k.researcher_id), [...(byResearcher.get(num(k.researcher_id)) ?? []), info]);
    }
    return researchers.map((r) => ({
      researcherId: num(r.id),
      name: r.name,
      createdAt: num(r.created_at),
      keys: byResearcher.get(num(r.id)) ?? [],
    }));
  });
}

export function addResearcher(
  db: Db,
  { projectId, name, key, now }: Parameters<ResearchAccessStore['addResearcher']>[0],
) {
  return db.transaction(async (q) => {
    // Checked first for a clear error; the unique index (migration 6) still refuses a concurrent twin.
    if (await q.get('SELECT 1 AS x FROM researchers WHERE project_id = ? AND name = ?', [projectId, name]))
      throw new ResearcherNameTakenError(name);
    const row = await q.get<{ id: unknown }>(
      'INSERT INTO researchers (project_id, name, created_at) VALUES (?, ?, ?) RETURNING id',
      [projectId, name, now],
    );
    const researcherId = num(row!.id);
    return { researcherId, keyId: await insertApiKey(q, researcherId, key, now) };
  });
}

export function createApiKey(db: Db, { researcherId, key, now }: Parameters<ResearchAccessStore['createApiKey']>[0]) {
  return db.transaction((q) => insertApiKey(q, researcherId, key, now));
}

export function revokeApiKey(db: Db, projectId: number, keyId: number, now: number) {
  return db.transaction(async (q) => {
    // Lock the project's row (Postgres) so that two researchers revoking its last two keys at once cannot both pass
    // the check below; SQLite runs one transaction at a time anyway.
    if (!(await q.get(`SELECT id FROM projects WHERE id = ?${db.forUpdate}`, [projectId]))) return undefined;
    const key = await q.get<{ revoked_at: unknown }>(
      `SELECT k.revoked_at FROM api_keys k JOIN researchers r ON r.id = k.researcher_id
        WHERE k.id = ? AND r.project_id = ?`,
      [keyId, projectId],
    );
    if (!key) return undefined;
    if (key.revoked_at !== null) return { keyId, revokedAt: num(key.revoked_at) };
    const live = await q.get<{ c: unknown }>(
      `SELECT count(*) AS c FROM api_keys k JOIN researchers r ON r.id = k.researcher_id
        WHERE r.project_id = ? AND k.revoked_at IS NULL`,
      [projectId],
    );
    if (num(live?.c) <= 1) throw new LastLiveKeyError(keyId);
    await q.run('UPDATE api_keys SET revoked_at = ? WHERE id = ?', [now, keyId]);
    return { keyId, revokedAt: now };
  });
}
