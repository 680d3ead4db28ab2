import { expect, test } from 'vitest';
import { PostgresDb } from '../store/sql/postgres-db.ts';
import { sqlStores } from '../store/sql/sql-stores.ts';
import { solveChallenge } from '../../protocol/registration-work.ts';
import { challengeOf, EASY_REGISTRATION } from '../testing/registration.ts';
import { createApi } from './app.ts';

test('error: with the database not answering, the API answers 503 DatabaseUnavailableError, Retry-After', async () => {
  // Port 5449: in this branch's range, where nothing listens.
  const db = new PostgresDb('postgres://postgres@127.0.0.1:5449/none', { max: 1 });
  try {
    const api = createApi({ store: sqlStores(db).work, registration: EASY_REGISTRATION });
    // A correct proof of work: the registration gets as far as the store.
    const proof = await solveChallenge(await challengeOf(api));
    const res = await api.request('/hosts', {
      method: 'POST',
      body: JSON.stringify({ proof }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('2');
    const { error } = (await res.json()) as { error: { name: string; message: string; cause?: unknown } };
    expect(error.name).toBe('DatabaseUnavailableError');
    // The driver's error (it names addresses) stays inside.
    expect(error.cause).toBeUndefined();
  } finally {
    await db.close();
  }
});
