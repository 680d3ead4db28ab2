import { describe, expect, test } from 'vitest';
import { storePerTest } from '../../testing/store-fixture.ts';
import { backends } from '../../testing/backends.ts';
import { anyOf, bulkInsert, bulkUpdate, MAX_PARAMS } from './bulk.ts';

describe.each(backends)('bulk statements on $name', (backend) => {
  const fixture = storePerTest(backend);

  test('edge: more rows than one SQLite statement may carry parameters for are each updated once', async () => {
    const db = fixture.db;
    await db.run('CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)');
    const count = Math.ceil(MAX_PARAMS / 2) + 5; // two parameters a row: past one statement's limit
    const numbers =
      backend.name === 'postgres'
        ? 'SELECT generate_series(1, ?) AS x'
        : 'WITH RECURSIVE s(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM s WHERE x < ?) SELECT x FROM s';
    await db.run(`INSERT INTO counters (id, n) SELECT x, 0 FROM (${numbers}) g`, [count]);
    const rows = Array.from({ length: count }, (_, i) => [i + 1, 3] as const);
    await bulkUpdate(
      db,
      db.dialect,
      { table: 'counters', key: { id: 'bigint' }, columns: { n: 'bigint' }, set: 'n = counters.n + v.n' },
      rows,
    );
    expect(await db.get('SELECT count(*) AS rows, CAST(sum(n) AS BIGINT) AS total FROM counters')).toEqual({
      rows: count,
      total: 3 * count,
    });
  });

  test(
    'edge: more rows than one SQLite statement may carry parameters for ' + 'are all inserted, padded or not',
    async () => {
      const db = fixture.db;
      await db.run('CREATE TABLE credits (id BIGINT PRIMARY KEY, a BIGINT, b BIGINT, c DOUBLE PRECISION)');
      // Four parameters a row, as the credit queue's: 4,097 rows padded to 8,192 would be 32,768 parameters.
      const rows = Array.from({ length: 4_097 }, (_, i) => [i + 1, i, 2 * i, i / 2] as const);
      await bulkInsert(
        db,
        db.dialect,
        'credits',
        { id: 'bigint', a: 'bigint', b: 'bigint', c: 'double' },
        rows.slice(0, 4_000),
      );
      await bulkInsert(db, db.dialect, 'credits', { id: 'bigint', a: 'bigint', b: 'bigint', c: 'double' }, rows, {
        skipConflictsOn: 'id',
      });
      const total = await db.get<{ n: number; a: number }>(
        'SELECT count(*) AS n, CAST(sum(a) AS BIGINT) AS a FROM credits',
      );
      expect([Number(total!.n), Number(total!.a)]).toEqual([4_097, (4_096 * 4_097) / 2]);
    },
  );

  test('edge: texts and numbers that need escaping in a list arrive unchanged, nulls as nulls', async () => {
    const db = fixture.db;
    await db.run('CREATE TABLE things (id BIGINT PRIMARY KEY, label TEXT, weight DOUBLE PRECISION)');
    const labels = [
      '{"peaks":[{"bin":1}]}',
      'a "quoted", {braced} \\ back\\slash',
      'NULL',
      '',
      null,
      'ünïcødé ✓\nline',
      "it's",
    ];
    const weights = [1e-300, -2.5, 0, 12345678901234.5, null, Number.MAX_SAFE_INTEGER, 0.1];
    const rows = labels.map((label, i) => [i + 1, label, weights[i]!] as const);
    await bulkInsert(db, db.dialect, 'things', { id: 'bigint', label: 'text', weight: 'double' }, rows);
    const read = async () =>
      (
        await db.all<{ id: number; label: string | null; weight: number | null }>(
          'SELECT id, label, weight FROM things ORDER BY id',
        )
      ).map((r) => [Number(r.id), r.label, r.weight]);
    expect(await read()).toEqual(rows);

    // Updated through the same lists, and one of them inserted again: skipped, not failed.
    const renamed = rows.map(([id, label]) => [id, label === null ? 'was null' : `${label}!`] as const);
    await bulkUpdate(db, db.dialect, { table: 'things', key: { id: 'bigint' }, columns: { label: 'text' } }, renamed);
    await bulkInsert(
      db,
      db.dialect,
      'things',
      { id: 'bigint', label: 'text', weight: 'double' },
      [[1, 'duplicate', 0]],
      { skipConflictsOn: 'id' },
    );
    expect((await read()).map(([id, label]) => [id, label])).toEqual(renamed);

    const some = anyOf(db.dialect, 'id', [7, 2, 5]);
    expect(
      (await db.all<{ id: number }>(`SELECT id FROM things WHERE ${some.sql} ORDER BY id`, some.params)).map((r) =>
        Number(r.id),
      ),
    ).toEqual([2, 5, 7]);
  });
});
