/**
 * @module server/store/sql/sqlite-db
 * The embedded database: one SQLite file through Node's built-in node:sqlite (no native addon), in WAL mode, so a
 * commit is in the log before the coordinator acknowledges anything. node:sqlite is synchronous
 * and has one connection, so transactions are serialised by a queue: no statement of another call can land inside
 * an open transaction while its function awaits; and queued transactions are committed in groups (group commit).
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Db, Param, Queryable } from './db.ts';

interface Pending {
  fn: (q: Queryable) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  readonly forUpdate = '';
  readonly forUpdateSkipLocked = '';
  readonly raw: DatabaseSync;
  private readonly statements = new Map<string, StatementSync>();
  private pending: Pending[] = [];
  private writing = false;
  private busy = false;
  private static readonly MAX_GROUP = 256;
  /**
   * WAL pages between checkpoints (SQLite's default is 1,000). A checkpoint copies each page's latest version back
   * to the database once, so the hot pages of the indexes, rewritten by every commit, are copied far less often with
   * a longer log: at the coordinator's load this halved the time spent committing. The log stays under ~40 MiB.
   */
  private static readonly CHECKPOINT_PAGES = 10_000;

  /**
   * `synchronous`: in WAL mode 'normal' keeps every committed transaction through a crash of the process (kill -9);
   * 'full' also through a power cut or OS crash, at the price of a disk flush per commit group.
   */
  constructor(path: string, { synchronous = 'normal' }: { synchronous?: 'normal' | 'full' } = {}) {
    this.raw = new DatabaseSync(path);
    this.raw.exec(`PRAGMA journal_mode = WAL; PRAGMA synchronous = ${synchronous === 'full' ? 'FULL' : 'NORMAL'};
                   PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;
                   PRAGMA wal_autocheckpoint = ${SqliteDb.CHECKPOINT_PAGES};`);
  }

  /**
   * Statements by text, prepared once. Set-based statements differ by their number of rows, so the cache is
   * bounded: past the bound the oldest is dropped (and finalized when collected), so memory stays flat.
   */
  private prepare(sql: string): StatementSync {
    let statement = this.statements.get(sql);
    if (!statement) {
      if (this.statements.size >= SqliteDb.MAX_PREPARED) this.statements.delete(this.statements.keys().next().value!);
      statement = this.raw.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
  private static readonly MAX_PREPARED = 512;

  private readonly direct: Queryable = {
    all: async <T>(sql: string, params: readonly Param[] = []) =>
      this.prepare(sql).all(...(params as SQLInputValue[])) as T[],
    get: async <T>(sql: string, params: readonly Param[] = []) =>
      this.prepare(sql).get(...(params as SQLInputValue[])) as T | undefined,
    run: async (sql: string, params: readonly Param[] = []) => ({
      changes: Number(this.prepare(sql).run(...(params as SQLInputValue[])).changes),
    }),
  };

  all<T>(sql: string, params?: readonly Param[]) {
    return this.transaction((q) => q.all<T>(sql, params));
  }
  get<T>(sql: string, params?: readonly Param[]) {
    return this.transaction((q) => q.get<T>(sql, params));
  }
  run(sql: string, params?: readonly Param[]) {
    return this.transaction((q) => q.run(sql, params));
  }

  /**
   * Group commit: transactions that arrive while a group is being written wait and then run together, each in a
   * savepoint of its own (so one that throws rolls back alone), under one COMMIT, so a crowd of hosts shares one
   * disk flush instead of paying one each. Each caller's promise settles only after the COMMIT.
   */
  transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ fn, resolve: resolve as (v: unknown) => void, reject });
      // Start the group after the current turn of the event loop, so that the transactions of every request read
      // in this turn share its commit; while busy (the last group held more than one), a millisecond later, so
      // that more share it.
      if (!this.writing) {
        this.writing = true;
        if (this.busy) setTimeout(() => void this.writeGroups(), 1);
        else setImmediate(() => void this.writeGroups());
      }
    });
  }

  private async writeGroups(): Promise<void> {
    try {
      while (this.pending.length > 0) {
        const group = this.pending.splice(0, SqliteDb.MAX_GROUP);
        this.busy = group.length > 1;
        const outcomes = await this.writeGroup(group);
        group.forEach((t, i) => {
          const o = outcomes[i]!;
          if (o.ok) t.resolve(o.value);
          else t.reject(o.error);
        });
      }
    } finally {
      this.writing = false;
    }
  }

  private async writeGroup(
    group: Pending[],
  ): Promise<Array<{ ok: true; value: unknown } | { ok: false; error: unknown }>> {
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      // Inside the try: a transaction asked for after close() finds the database closed, and its caller hears so.
      this.raw.exec('BEGIN IMMEDIATE');
      for (const t of group) {
        this.raw.exec('SAVEPOINT tx');
        try {
          outcomes.push({ ok: true, value: await t.fn(this.direct) });
          this.raw.exec('RELEASE tx');
        } catch (error) {
          this.raw.exec('ROLLBACK TO tx');
          this.raw.exec('RELEASE tx');
          outcomes.push({ ok: false, error });
        }
      }
      this.raw.exec('COMMIT');
      return outcomes;
    } catch (error) {
      // The commit itself failed (disk full, I/O error), or the database was closed: nothing of the group is stored,
      // so every caller hears it.
      if (this.raw.isOpen && this.raw.isTransaction) this.raw.exec('ROLLBACK');
      return group.map(() => ({ ok: false, error }));
    }
  }

  /** Runs a multi-statement script (migrations). */
  async exec(sql: string): Promise<void> {
    await this.transaction(async () => this.raw.exec(sql));
  }

  async close(): Promise<void> {
    // Queued after every pending transaction, so nothing acknowledged is cut off.
    await this.transaction(async () => {});
    this.raw.close();
  }
}
