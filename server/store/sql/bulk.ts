/**
 * @module server/store/sql/bulk
 * Set-based statements: one statement for many rows instead of one per row. On SQLite a statement costs a few
 * microseconds, but on Postgres each is a round trip, and a transaction that makes hundreds of them holds its row
 * locks for as long; so every hot path of the store writes its rows through these helpers.
 *
 * Each engine gets the form it runs best, with one statement text whatever the number of rows, so that each text
 * is prepared once and not parsed and planned on every call. Postgres binds a list as one array parameter per
 * column (`= ANY(…)`, `unnest(…)`): a handful of parameters, and a text each connection plans once. SQLite has no
 * arrays; there lists are spelled out (`IN (?, ?, …)`, `VALUES (…), (…)`) and padded to a power of two, so that
 * a few texts serve every length.
 */
import type { Param, Queryable, Scalar } from './db.ts';

export type Dialect = 'sqlite' | 'postgres';
/** Parameters one statement may carry on both engines (SQLite allows 32,766; Postgres 65,535). */
export const MAX_PARAMS = 32_000;
/** A column's SQL type, for Postgres, which cannot infer the type of a parameter inside VALUES or of an array. */
export type ColumnType = 'bigint' | 'double' | 'text';

const CAST: Record<ColumnType, string> = { bigint: 'BIGINT', double: 'DOUBLE PRECISION', text: 'TEXT' };

/** `(?, ?, …)` for an IN list of `n` values. */
const inList = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;

/**
 * `items` (at least one) padded to a power of two with copies of the last, so that lists of any length share a few
 * statement texts, each prepared once instead of parsed each time. Only for lists where a copy changes nothing:
 * IN lists, rows of an UPDATE … FROM, inserts that skip conflicts.
 */
function padded<T>(items: readonly T[]): T[] {
  return [...items, ...Array<T>(2 ** Math.ceil(Math.log2(items.length)) - items.length).fill(items[items.length - 1]!)];
}

/**
 * The condition `column` is one of `ids` (at least one): `= ANY` of an array on Postgres, a padded IN list on
 * SQLite.
 */
export function anyOf(
  dialect: Dialect,
  column: string,
  ids: readonly number[] | readonly string[],
  type: 'bigint' | 'text' = 'bigint',
): { sql: string; params: Param[] } {
  if (dialect === 'postgres') return { sql: `${column} = ANY(CAST(? AS ${CAST[type]}[]))`, params: [ids as Param] };
  const params = padded<number | string>(ids);
  return { sql: `${column} IN ${inList(params.length)}`, params };
}

/**
 * A query giving `rows` (at least one) as rows of the given column types, to follow `INSERT INTO t (…)` or to name
 * in a `WITH v(…) AS (…)`: `unnest` of one array per column on Postgres; on SQLite a VALUES list, padded when `pad`
 * (only where a copy of a row changes nothing).
 */
export function rowsOf(
  dialect: Dialect,
  types: readonly ColumnType[],
  rows: readonly (readonly Scalar[])[],
  { pad = false } = {},
) {
  if (dialect === 'postgres') {
    return {
      sql: `SELECT * FROM unnest(${types.map((t) => `CAST(? AS ${CAST[t]}[])`).join(', ')})`,
      params: types.map((_, column) => rows.map((row) => row[column]!)) as Param[],
    };
  }
  const list = pad ? padded(rows) : rows;
  const tuple = `(${types.map(() => '?').join(', ')})`;
  return { sql: `VALUES ${list.map(() => tuple).join(', ')}`, params: list.flat() as Param[] };
}

export interface BulkUpdate {
  table: string;
  /** The columns that identify a row; each row gives their values first. */
  key: Record<string, ColumnType>;
  /** The columns each row gives next, in this order. */
  columns: Record<string, ColumnType>;
  /** The SET clause, over `v.<column>` and the table's own columns; by default each column set to its value. */
  set?: string;
}

/**
 * Updates many rows of a table, each with its own values, in one statement (UPDATE … FROM a list of rows). A row
 * given twice with the same values is updated once (UPDATE … FROM uses one joined row), so SQLite's list is padded.
 */
export async function bulkUpdate(
  q: Queryable,
  dialect: Dialect,
  spec: BulkUpdate,
  given: readonly (readonly Scalar[])[],
): Promise<void> {
  if (given.length === 0) return;
  const perStatement = rowsPerStatement(dialect, given);
  if (given.length > perStatement) return inSlices(given, perStatement, (slice) => bulkUpdate(q, dialect, spec, slice));
  const keys = Object.keys(spec.key);
  const names = Object.keys(spec.columns);
  const rows = rowsOf(dialect, [...Object.values(spec.key), ...Object.values(spec.columns)], given, { pad: true });
  const set = spec.set ?? names.map((n) => `${n} = v.${n}`).join(', ');
  await q.run(
    `WITH v(${[...keys, ...names].join(', ')}) AS (${rows.sql})
      UPDATE ${spec.table} SET ${set} FROM v WHERE ${keys.map((k) => `${spec.table}.${k} = v.${k}`).join(' AND ')}`,
    rows.params,
  );
}

/**
 * Inserts many rows in one statement. With `skipConflictsOn` (the columns of a unique key), rows that would
 * duplicate a key are skipped (ON CONFLICT … DO NOTHING), and SQLite's list is padded.
 */
export async function bulkInsert(
  q: Queryable,
  dialect: Dialect,
  table: string,
  columns: Record<string, ColumnType>,
  given: readonly (readonly Scalar[])[],
  { skipConflictsOn }: { skipConflictsOn?: string } = {},
): Promise<void> {
  if (given.length === 0) return;
  const perStatement = rowsPerStatement(dialect, given);
  if (given.length > perStatement) {
    return inSlices(given, perStatement, (slice) => bulkInsert(q, dialect, table, columns, slice, { skipConflictsOn }));
  }
  const rows = rowsOf(dialect, Object.values(columns), given, { pad: skipConflictsOn !== undefined });
  const conflict = skipConflictsOn === undefined ? '' : ` ON CONFLICT (${skipConflictsOn}) DO NOTHING`;
  await q.run(`INSERT INTO ${table} (${Object.keys(columns).join(', ')}) ${rows.sql}${conflict}`, rows.params);
}

/**
 * A pass's round or a batch of requests can give more rows than one SQLite statement may carry parameters (32,766),
 * even more once its list is padded to a power of two: SQLite gets them in slices of a power of two that fits.
 * Postgres binds one array per column whatever the number of rows.
 */
function rowsPerStatement(dialect: Dialect, given: readonly (readonly Scalar[])[]): number {
  return dialect === 'sqlite' ? 2 ** Math.floor(Math.log2(MAX_PARAMS / given[0]!.length)) : Infinity;
}

/** Runs `fn` over `items` in slices of at most `size`, so that no statement exceeds a database's parameter limit. */
export async function inSlices<T>(items: readonly T[], size: number, fn: (slice: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}
