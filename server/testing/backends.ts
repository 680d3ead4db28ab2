/**
 * @module server/testing/backends
 * The storage backends the coordinator's tests run against: the embedded SQLite file always, and Postgres when one
 * answers at TERRAFLOP_TEST_DATABASE_URL (default: the local server's `test` database). Each Postgres test gets a
 * schema of its own, dropped afterwards, so tests never see each other's rows.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const POSTGRES_TEST_URL =
  process.env['TERRAFLOP_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

async function postgresAnswers(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_TEST_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export const postgresAvailable = await postgresAnswers();
if (!postgresAvailable) {
  console.warn(`Postgres tests skipped: no Postgres answers at ${POSTGRES_TEST_URL} (set TERRAFLOP_TEST_DATABASE_URL)`);
}

/** A fresh, empty Postgres schema and a connection URL that uses it. */
export async function freshPostgresSchema(): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `terraflop_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: POSTGRES_TEST_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(POSTGRES_TEST_URL);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: url.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: POSTGRES_TEST_URL });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}

export const backends = [
  { name: 'sqlite', available: true },
  { name: 'postgres', available: postgresAvailable },
] as const;
