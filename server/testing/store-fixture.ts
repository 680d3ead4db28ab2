/**
 * @module server/testing/store-fixture
 * A fresh store on a given backend for store-level tests: a SQLite file in a temporary folder, or a Postgres schema
 * of its own; with the scheduler's coin under the test's control.
 */
import { afterEach, beforeEach } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresDb } from '../store/sql/postgres-db.ts';
import { migrate } from '../store/sql/schema.ts';
import { SqliteDb } from '../store/sql/sqlite-db.ts';
import { SqlStore } from '../store/sql/sql-store.ts';
import { testRandom } from '../../worker-kernels/testing/vitest-random.ts';
import { freshPostgresSchema } from './backends.ts';

/** `upTo` leaves the schema as that migration left it (for tests of the later ones). */
export async function freshStore(
  backend: 'sqlite' | 'postgres',
  random: () => number,
  { upTo }: { upTo?: number } = {},
): Promise<{ store: SqlStore; cleanup(): Promise<void> }> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'terraflop-store-'));
    const db = new SqliteDb(join(dir, 'c.sqlite'));
    await migrate(db, { upTo });
    const store = new SqlStore(db, { random });
    const cleanup = async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    };
    return { store, cleanup };
  }
  const schema = await freshPostgresSchema();
  const db = new PostgresDb(schema.url);
  await migrate(db, { upTo });
  const store = new SqlStore(db, { random });
  const cleanup = async () => {
    await store.close();
    await schema.drop();
  };
  return { store, cleanup };
}

/**
 * Gives each test of the enclosing describe a fresh store on `backend` (skipping it when the backend is missing);
 * read `fixture.store` inside a test.
 */
export function storePerTest(
  { name, available }: { name: 'sqlite' | 'postgres'; available: boolean },
  random?: () => number,
) {
  const fixture = { store: undefined as unknown as SqlStore };
  let cleanup = async () => {};
  beforeEach(async (ctx) => {
    if (!available) return ctx.skip();
    // By default the scheduler's coin comes from the test's seeded stream.
    ({ store: fixture.store, cleanup } = await freshStore(name, random ?? testRandom().next));
  });
  afterEach(async () => {
    if (available) await cleanup();
  });
  return fixture;
}
