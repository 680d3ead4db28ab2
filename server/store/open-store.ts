/**
 * @module server/store/open-store
 * Opens the store family a configuration names: the embedded SQLite file in the data folder by default, or Postgres
 * when a connection URL is given. Migrations run on open.
 */
import { join } from 'node:path';
import type { Stores } from './stores.ts';
import type { Db } from './sql/db.ts';
import { PostgresDb } from './sql/postgres-db.ts';
import { migrate } from './sql/schema.ts';
import { SqliteDb } from './sql/sqlite-db.ts';
import { sqlStores } from './sql/sql-stores.ts';
import type { SqlStoreOptions } from './sql/sql-store.ts';

export type StoreLocation =
  | { kind: 'sqlite'; dataDir: string; synchronous?: 'normal' | 'full' }
  | { kind: 'postgres'; url: string };

/** The location a coordinator's settings name: Postgres when a URL is set, else the SQLite file in the data folder. */
export function storeLocation(config: {
  TERRAFLOP_DATA: string;
  TERRAFLOP_DATABASE_URL?: string | undefined;
  TERRAFLOP_SQLITE_SYNC?: 'normal' | 'full';
}): StoreLocation {
  return config.TERRAFLOP_DATABASE_URL
    ? { kind: 'postgres', url: config.TERRAFLOP_DATABASE_URL }
    : { kind: 'sqlite', dataDir: config.TERRAFLOP_DATA, synchronous: config.TERRAFLOP_SQLITE_SYNC ?? 'normal' };
}

/** The database at `location`, not yet migrated (the store's own tests and inspector start here). */
export function openDb(location: StoreLocation): Db {
  return location.kind === 'sqlite'
    ? new SqliteDb(join(location.dataDir, 'coordinator.sqlite'), { synchronous: location.synchronous ?? 'normal' })
    : new PostgresDb(location.url);
}

/** @example const stores = await openStore({ kind: 'sqlite', dataDir: 'data' }); ...; await stores.close(); */
export async function openStore(location: StoreLocation, options: SqlStoreOptions = {}): Promise<Stores> {
  const db = openDb(location);
  try {
    await migrate(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return sqlStores(db, options);
}
