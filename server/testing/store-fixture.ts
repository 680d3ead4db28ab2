/**
 * @module server/testing/store-fixture
 * A fresh store family on a given backend for store-level tests: a SQLite file in a temporary folder, or a Postgres
 * schema of its own; with the scheduler's coin under the test's control.
 */
import type { SiblingWait } from '../store/sql/scheduler.ts';
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDb, type StoreLocation } from '../store/open-store.ts';
import type { Db } from '../store/sql/db.ts';
import { StoreInspector } from '../store/sql/inspect.ts';
import { migrate } from '../store/sql/schema.ts';
import { sqlStores } from '../store/sql/sql-stores.ts';
import type { Store } from '../store/store.ts';
import type { Stores } from '../store/stores.ts';
import { testRandom } from '../../worker-kernels/testing/vitest-random.ts';
import { freshPostgresSchema } from './backends.ts';

export interface FreshStore {
  /** The family over the fresh database. */
  stores: Stores;
  /** Its work store (`stores.work`). */
  store: Store;
  /** The database itself, for the store's own tests (server/store/), which read its tables and spy on it. */
  db: Db;
  /** Named reads and writes of the tables, for tests outside the store. */
  inspect: StoreInspector;
  cleanup(): Promise<void>;
}

/** `upTo` leaves the schema as that migration left it (for tests of the later ones). */
export async function freshStore(
  backend: 'sqlite' | 'postgres',
  random: () => number,
  { upTo, siblingWait }: { upTo?: number; siblingWait?: SiblingWait } = {},
): Promise<FreshStore> {
  const dir = backend === 'sqlite' ? mkdtempSync(join(tmpdir(), 'terraflop-store-')) : undefined;
  const schema = backend === 'postgres' ? await freshPostgresSchema() : undefined;
  const location: StoreLocation = schema ? { kind: 'postgres', url: schema.url } : { kind: 'sqlite', dataDir: dir! };
  const db = openDb(location);
  await migrate(db, { upTo });
  const stores = sqlStores(db, { random, ...(siblingWait && { siblingWait }) });
  return {
    stores,
    store: stores.work,
    db,
    inspect: new StoreInspector(db),
    async cleanup() {
      await stores.close();
      await schema?.drop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Gives each test of the enclosing describe a fresh store on `backend` (skipping it when the backend is missing);
 * read `fixture.store` (and `fixture.db`, `fixture.stores`, `fixture.inspect`) inside a test.
 */
export function storePerTest(
  { name, available }: { name: 'sqlite' | 'postgres'; available: boolean },
  random?: () => number,
): Omit<FreshStore, 'cleanup'> {
  const fixture = {} as FreshStore;
  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    // By default the scheduler's coin comes from the test's seeded stream.
    Object.assign(fixture, await freshStore(name, random ?? testRandom().next));
  });
  afterEach(async () => {
    if (available) await fixture.cleanup();
  });
  return fixture;
}
