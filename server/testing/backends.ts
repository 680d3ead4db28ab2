/**
 * @module server/testing/backends
 * The storage backends the coordinator's tests run against: the embedded SQLite file always, and Postgres when one
 * answers at TERRAFLOP_TEST_DATABASE_URL (default: the local server's `test` database). Each Postgres test gets a
 * schema of its own, dropped afterwards, so tests never see each other's rows.
 */
import { freshPostgresSchema as freshSchema, postgresAnswers } from '../store/sql/postgres-schemas.ts';

export const POSTGRES_TEST_URL =
  process.env['TERRAFLOP_TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

export const postgresAvailable = await postgresAnswers(POSTGRES_TEST_URL);
if (!postgresAvailable) {
  console.warn(`Postgres tests skipped: no Postgres answers at ${POSTGRES_TEST_URL} (set TERRAFLOP_TEST_DATABASE_URL)`);
}

/** A fresh, empty Postgres schema and a connection URL that uses it. */
export const freshPostgresSchema = () => freshSchema(POSTGRES_TEST_URL);

export const backends = [
  { name: 'sqlite', available: true },
  { name: 'postgres', available: postgresAvailable },
] as const;
