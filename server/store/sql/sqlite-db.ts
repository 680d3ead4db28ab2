/**
 * @module server/store/sql/sqlite-db
 * The embedded database: one SQLite file through Node's built-in node:sqlite (no native addon), in WAL mode with
 * synchronous=FULL, so a commit is on disk before the coordinator acknowledges anything. node:sqlite is synchronous
 * and has one connection, so transactions are serialised by a queue: no statement of another call can land inside
 * an open transaction while its function awaits.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Db, Param, Queryable } from './db.ts';

export class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  readonly forUpdateSkipLocked = '';
  readonly raw: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(path: string) {
    this.raw = new DatabaseSync(path);
    this.raw.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;
                   PRAGMA busy_timeout = 5000;`);
  }

  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.raw.prepare(sql)));
    return statement;
  }

  private readonly direct: Queryable = {
    all: async <T>(sql: string, params: readonly Param[] = []) => this.prepare(sql).all(...(params as SQLInputValue[])) as T[],
    get: async <T>(sql: string, params: readonly Param[] = []) => this.prepare(sql).get(...(params as SQLInputValue[])) as T | undefined,
    run: async (sql: string, params: readonly Param[] = []) => ({
      changes: Number(this.prepare(sql).run(...(params as SQLInputValue[])).changes),
    }),
  };

  /** Runs `fn` after every call queued before it. */
  private serialise<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => {});
    return next;
  }

  all<T>(sql: string, params?: readonly Param[]) {
    return this.serialise(() => this.direct.all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly Param[]) {
    return this.serialise(() => this.direct.get<T>(sql, params));
  }
  run(sql: string, params?: readonly Param[]) {
    return this.serialise(() => this.direct.run(sql, params));
  }

  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return this.serialise(async () => {
      this.raw.exec('BEGIN IMMEDIATE');
      try {
        const value = await fn(this.direct);
        this.raw.exec('COMMIT');
        return value;
      } catch (error) {
        this.raw.exec('ROLLBACK');
        throw error;
      }
    });
  }

  /** Runs a multi-statement script (migrations). */
  async exec(sql: string): Promise<void> {
    await this.serialise(async () => this.raw.exec(sql));
  }

  async close(): Promise<void> {
    await this.serialise(async () => this.raw.close());
  }
}
