/**
 * @module server/store/sql/bulk
 * Set-based statements: one statement for many rows instead of one per row. On SQLite a statement costs a few
 * microseconds, but on Postgres each is a round trip, and a transaction that makes hundreds of them holds its row
 * locks for as long; so every hot path of the store writes its rows through these helpers.
 */
import type { Param, Queryable } from './db.ts';

export type Dialect = 'sqlite' | 'postgres';
/** Parameters one statement may carry on both engines (SQLite allows 32,766; Postgres 65,535). */
export const MAX_PARAMS = 32_000;
/** A column's SQL type, for Postgres, which cannot infer the type of a parameter inside VALUES. */
export type ColumnType = 'bigint' | 'double' | 'text';

const CAST: Record<ColumnType, string> = { bigint: 'BIGINT', double: 'DOUBLE PRECISION', text: 'TEXT' };

/** `(?, ?, …)` for an IN list of `n` values. */
export const inList = (n: number) => `(${Array.from({ length: n }, () => '?').join(', ')})`;

/**
 * `items` (at least one) padded to a power of two with copies of the last, so that lists of any length share a few
 * statement texts, each prepared once (per connection on Postgres) instead of parsed each time. Only for lists where
 * a copy changes nothing: IN lists, rows of an UPDATE … FROM, inserts that skip conflicts.
 */
export function padded<T>(items: readonly T[]): T[] {
  return [...items, ...Array<T>(2 ** Math.ceil(Math.log2(items.length)) - items.length).fill(items[items.length - 1]!)];
}

/** An IN list for `values` (at least one), padded. */
export function paddedInList(values: readonly Param[]): { sql: string; params: Param[] } {
  const params = padded(values);
  return { sql: inList(params.length), params };
}

function placeholder(dialect: Dialect, type: ColumnType) {
  return dialect === 'postgres' ? `CAST(? AS ${CAST[type]})` : '?';
}

/** `VALUES (?, ?), (?, ?)` for `rows` of the given column types, and its flattened parameters. */
export function valuesList(dialect: Dialect, types: readonly ColumnType[], rows: readonly (readonly Param[])[]) {
  const tuple = `(${types.map((t) => placeholder(dialect, t)).join(', ')})`;
  return { sql: `VALUES ${rows.map(() => tuple).join(', ')}`, params: rows.flat() };
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
 * Updates many rows of a table, each with its own values, in one statement (UPDATE … FROM a VALUES list). The
 * list is padded: a row updated twice with the same values is updated once (UPDATE … FROM uses one joined row).
 */
export async function bulkUpdate(q: Queryable, dialect: Dialect, spec: BulkUpdate, given: readonly (readonly Param[])[]): Promise<void> {
  if (given.length === 0) return;
  // A batch of requests can give more rows than one statement may carry parameters (SQLite: 32,766).
  const perStatement = 2 ** Math.floor(Math.log2(MAX_PARAMS / given[0]!.length));
  if (given.length > perStatement) return inSlices(given, perStatement, (slice) => bulkUpdate(q, dialect, spec, slice));
  const rows = padded(given);
  const keys = Object.keys(spec.key);
  const names = Object.keys(spec.columns);
  const values = valuesList(dialect, [...Object.values(spec.key), ...Object.values(spec.columns)], rows);
  const set = spec.set ?? names.map((n) => `${n} = v.${n}`).join(', ');
  await q.run(
    `WITH v(${[...keys, ...names].join(', ')}) AS (${values.sql})
      UPDATE ${spec.table} SET ${set} FROM v WHERE ${keys.map((k) => `${spec.table}.${k} = v.${k}`).join(' AND ')}`,
    values.params,
  );
}

/** Inserts many rows in one statement; `suffix` may add e.g. an ON CONFLICT clause. */
export async function bulkInsert(
  q: Queryable,
  dialect: Dialect,
  table: string,
  columns: Record<string, ColumnType>,
  rows: readonly (readonly Param[])[],
  suffix = '',
): Promise<void> {
  if (rows.length === 0) return;
  const values = valuesList(dialect, Object.values(columns), rows);
  await q.run(`INSERT INTO ${table} (${Object.keys(columns).join(', ')}) ${values.sql}${suffix}`, values.params);
}

/** Runs `fn` over `items` in slices of at most `size`, so that no statement exceeds a database's parameter limit. */
export async function inSlices<T>(items: readonly T[], size: number, fn: (slice: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await fn(items.slice(i, i + size));
}
