import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, test } from 'vitest';
import { migrate } from './schema.ts';
import { SqliteDb } from './sqlite-db.ts';
import { sqlStores } from './sql-stores.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fresh(): SqliteDb {
  const dir = mkdtempSync(join(tmpdir(), 'terraflop-sqlite-'));
  dirs.push(dir);
  return new SqliteDb(join(dir, 'db.sqlite'));
}

test('error: a transaction asked for after close() is refused to its caller, nothing left unhandled', async () => {
  const db = fresh();
  await db.run('CREATE TABLE t (x INTEGER)');
  await db.close();
  await expect(db.run('INSERT INTO t (x) VALUES (1)')).rejects.toThrow(/not open/);
});

test('behavior: a store closed at once, while it still reads its replica token key, closes cleanly', async () => {
  const db = fresh();
  await migrate(db);
  const stores = sqlStores(db);
  await stores.close();
  // The store's first read (the key) ran before the close or was refused with it; either way a later read is refused.
  await expect(db.get('SELECT 1')).rejects.toThrow(/not open/);
});
