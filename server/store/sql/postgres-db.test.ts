import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { freshPostgresSchema, postgresAvailable } from '../../testing/backends.ts';
import { PostgresDb } from './postgres-db.ts';

describe.skipIf(!postgresAvailable)('PostgresDb transactions', () => {
  let db: PostgresDb;
  let drop = async () => {};

  beforeEach(async () => {
    const schema = await freshPostgresSchema();
    drop = schema.drop;
    db = new PostgresDb(schema.url);
    await db.run('CREATE TABLE counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)');
    await db.run('INSERT INTO counters (id, n) VALUES (1, 0), (2, 0)');
  });
  afterEach(async () => {
    await db.close();
    await drop();
  });

  /** Resolves when `check` holds, polling: each side waits until the other holds its first lock. */
  const until = async (check: () => boolean) => {
    while (!check()) await new Promise((r) => setTimeout(r, 5));
  };

  test('behavior: the victim of a deadlock is run again and both transactions commit', async () => {
    const locked = { a: false, b: false };
    const attempts = { a: 0, b: 0 };
    // A locks row 1 then row 2; B locks row 2 then row 1: Postgres aborts one of them as deadlocked.
    const a = db.transaction(async (q) => {
      attempts.a++;
      await q.run('UPDATE counters SET n = n + 1 WHERE id = 1');
      locked.a = true;
      await until(() => locked.b);
      await q.run('UPDATE counters SET n = n + 10 WHERE id = 2');
    });
    const b = db.transaction(async (q) => {
      attempts.b++;
      await q.run('UPDATE counters SET n = n + 100 WHERE id = 2');
      locked.b = true;
      await until(() => locked.a);
      await q.run('UPDATE counters SET n = n + 1000 WHERE id = 1');
    });
    await Promise.all([a, b]);
    // Each transaction's two updates landed exactly once, whichever was the victim.
    expect(await db.all('SELECT id, n FROM counters ORDER BY id')).toEqual([
      { id: 1, n: 1001 },
      { id: 2, n: 110 },
    ]);
    // One of them was aborted and run again: at least once, and more on a busy machine, where the victim's rerun can
    // take its first lock before the survivor has finished and deadlock with it again.
    expect(attempts.a + attempts.b).toBeGreaterThanOrEqual(3);
  });

  test('error: any other failure is not retried and changes nothing', async () => {
    let attempts = 0;
    await expect(
      db.transaction(async (q) => {
        attempts++;
        await q.run('UPDATE counters SET n = 5 WHERE id = 1');
        await q.run('INSERT INTO counters (id, n) VALUES (2, 0)');
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(attempts).toBe(1);
    expect(await db.get('SELECT n FROM counters WHERE id = 1')).toEqual({ n: 0 });
  });
});

describe.skipIf(!postgresAvailable)('PostgresDb connections', () => {
  test('behavior: an idle connection the server drops is replaced, and the process lives on', async () => {
    const schema = await freshPostgresSchema();
    const db = new PostgresDb(schema.url, { max: 1 });
    const other = new PostgresDb(schema.url, { max: 1 });
    try {
      const pid = (await db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid;
      // What a Postgres restart does to every idle connection of the pool.
      await other.run('SELECT pg_terminate_backend(?)', [pid]);
      await new Promise((r) => setTimeout(r, 200));
      const again = (await db.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!.pid;
      expect(again).not.toBe(pid);
    } finally {
      await db.close();
      await other.close();
      await schema.drop();
    }
  });

  test('behavior: a connection lost inside a transaction fails that transaction only', async () => {
    const schema = await freshPostgresSchema();
    const db = new PostgresDb(schema.url, { max: 1 });
    const other = new PostgresDb(schema.url, { max: 1 });
    try {
      const failed = db.transaction(async (q) => {
        const { pid } = (await q.get<{ pid: number }>('SELECT pg_backend_pid() AS pid'))!;
        // Lost between two statements, while the transaction's code runs: no query is there to fail with it.
        await other.run('SELECT pg_terminate_backend(?)', [pid]);
        await new Promise((r) => setTimeout(r, 200));
        await q.run('SELECT 1');
      });
      await expect(failed).rejects.toThrow();
      expect(await db.get<{ one: number }>('SELECT 1 AS one')).toEqual({ one: 1 });
    } finally {
      await db.close();
      await other.close();
      await schema.drop();
    }
  });
});

describe('PostgresDb with no database answering', () => {
  test('error: statements and transactions fail as DatabaseUnavailableError', async () => {
    // Port 5449: in this branch's range, where nothing listens.
    const db = new PostgresDb('postgres://postgres@127.0.0.1:5449/none', { max: 1 });
    try {
      await expect(db.get('SELECT 1 AS one')).rejects.toMatchObject({ name: 'DatabaseUnavailableError' });
      await expect(db.transaction((q) => q.run('SELECT 1'))).rejects.toMatchObject({
        name: 'DatabaseUnavailableError',
      });
    } finally {
      await db.close();
    }
  });
});
