/**
 * @module server/store/sql/postgres-schemas
 * Schemas of their own on one shared Postgres, for tests and benchmarks: whether Postgres answers at a URL, a fresh
 * empty schema with a URL whose search_path is that schema, and dropping it again. Only schemas this module made
 * are dropped: their names carry a random suffix.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Whether a Postgres answers at `url` within two seconds. */
export async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
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

/** A fresh, empty schema on the database at `url`, and a connection URL that uses it. */
export async function freshPostgresSchema(url: string): Promise<{ url: string; drop(): Promise<void> }> {
  const schema = `terraflop_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const scoped = new URL(url);
  scoped.searchParams.set('options', `-c search_path=${schema}`);
  return {
    url: scoped.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA ${schema} CASCADE`);
      await c.end();
    },
  };
}
