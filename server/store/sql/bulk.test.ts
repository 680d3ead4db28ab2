import { describe, expect, test } from 'vitest';
import { storePerTest } from '../../testing/store-fixture.ts';
import { backends } from '../../testing/backends.ts';
import { bulkUpdate, MAX_PARAMS } from './bulk.ts';

describe.each(backends)('bulkUpdate on $name', (backend) => {
  const fixture = storePerTest(backend);

  test('edge: more rows than one statement may carry parameters for are updated in slices, each row once', async () => {
    const db = fixture.store.db;
    await db.run('CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)');
    const count = Math.ceil(MAX_PARAMS / 2) + 5; // two parameters a row: past one statement's limit
    await db.run(`INSERT INTO counters (id, n) SELECT x, 0 FROM (${backend.name === 'postgres' ? 'SELECT generate_series(1, ?) AS x' : 'WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ?) SELECT x FROM s'}) g`, [count]);
    const rows = Array.from({ length: count }, (_, i) => [i + 1, 3] as const);
    await bulkUpdate(db, db.dialect, { table: 'counters', key: { id: 'bigint' }, columns: { n: 'bigint' }, set: 'n = counters.n + v.n' }, rows);
    expect(await db.get('SELECT count(*) AS rows, CAST(sum(n) AS BIGINT) AS total FROM counters')).toEqual({ rows: count, total: 3 * count });
  });
});
