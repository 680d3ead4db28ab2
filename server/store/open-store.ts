/**
 * @module server/store/open-store
 * Opens the store a configuration names: the embedded SQLite file in the data folder by default, or Postgres
 * when a connection URL is given. Migrations run on open.
 */
import { join } from 'node:path';
import type { Store } from './store.ts';
import { PostgresDb } from './sql/postgres-db.ts';
import { migrate } from './sql/schema.ts';
import { SqliteDb } from './sql/sqlite-db.ts';
import { SqlStore } from './sql/sql-store.ts';

export type StoreLocation =
  | { kind: 'sqlite'; dataDir: string; synchronous?: 'normal' | 'full' }
  | { kind: 'postgres'; url: string };

export async function openStore(location: StoreLocation): Promise<SqlStore & Store> {
  if (location.kind === 'sqlite') {
    const db = new SqliteDb(join(location.dataDir, 'coordinator.sqlite'), {
      synchronous: location.synchronous ?? 'normal',
    });
    await migrate(db);
    return new SqlStore(db);
  }
  const db = new PostgresDb(location.url);
  await migrate(db);
  return new SqlStore(db);
}
