/**
 * @module server/store/sql/db
 * The little SQL that the store needs from a database: run a statement, read rows, and run a function inside one
 * transaction. SQLite and Postgres each adapt to it, so the store's queries are written once. Statements use `?`
 * placeholders (the Postgres adapter numbers them) and the portable subset of SQL both engines share.
 */

export type Scalar = string | number | bigint | null;
/** A statement's parameter: a value, or (Postgres only) an array, bound as one parameter (see bulk.ts). */
export type Param = Scalar | readonly Scalar[];

export interface Queryable {
  all<T>(sql: string, params?: readonly Param[]): Promise<T[]>;
  get<T>(sql: string, params?: readonly Param[]): Promise<T | undefined>;
  run(sql: string, params?: readonly Param[]): Promise<{ changes: number }>;
}

export interface Db extends Queryable {
  readonly dialect: 'sqlite' | 'postgres';
  /** Appended to a SELECT that must lock its rows until commit (Postgres); empty where the whole database is locked. */
  readonly forUpdate: string;
  /** Like forUpdate, but rows another transaction holds are skipped rather than waited for. */
  readonly forUpdateSkipLocked: string;
  /** Runs `fn` in one transaction: it commits when `fn` resolves and rolls back when it throws. */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
