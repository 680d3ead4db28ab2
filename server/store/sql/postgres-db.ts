/**
 * @module server/store/sql/postgres-db
 * Postgres for deployments that outgrow one machine: several coordinator processes share one database, and row
 * locks (FOR UPDATE, SKIP LOCKED) keep them from issuing one replica twice or deciding one unit twice.
 */
import pg from 'pg';
import { DatabaseUnavailableError } from '../store.ts';
import type { Db, Param, Queryable, Scalar } from './db.ts';

// int8 (counts, epoch-millisecond times) arrives as a string by default; every value the store keeps is below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

/** `?` placeholders to Postgres's `$1, $2, …`. The store's SQL never has a `?` inside a string literal. */
export function numberPlaceholders(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/**
 * Statements by text, each named once: node-postgres then prepares a statement once per connection and only binds
 * it afterwards, so Postgres parses the store's statements once instead of on every call. Set-based statements
 * bind their lists as arrays (bulk.ts), so a text serves every number of rows; the names are capped all the same:
 * past the cap, texts go unprepared, and no connection holds more than this many prepared statements.
 */
const statements = new Map<string, { name: string; text: string }>();
const MAX_PREPARED = 512;
function named(sql: string): { name?: string; text: string } {
  let statement = statements.get(sql);
  if (!statement && statements.size < MAX_PREPARED) {
    statement = { name: `terraflop_${statements.size}`, text: numberPlaceholders(sql) };
    statements.set(sql, statement);
  }
  return statement ?? { text: numberPlaceholders(sql) };
}

/**
 * An array parameter as Postgres's array literal (`{1,2,NULL,"text"}`). node-postgres would convert it too, but
 * its converter handles every type it might meet (nested arrays, dates, buffers) and escapes in two passes; the
 * store binds flat arrays of numbers and strings, among them every reported result, and this was a quarter of the
 * driver's time.
 */
function arrayLiteral(values: readonly Scalar[]): string {
  let literal = '{';
  for (let i = 0; i < values.length; i++) {
    const value = values[i];
    if (i > 0) literal += ',';
    if (value === null || value === undefined) literal += 'NULL';
    else if (typeof value === 'string') literal += `"${value.replace(/[\\"]/g, '\\$&')}"`;
    else literal += String(value);
  }
  return `${literal}}`;
}

const bound = (params: readonly Param[]) =>
  params.map((p) => (Array.isArray(p) ? arrayLiteral(p as readonly Scalar[]) : p));

/** Connection exceptions (08), an operator's shutdown or a server starting up (57P), or no socket at all. */
function unavailable(error: unknown): boolean {
  if (error instanceof pg.DatabaseError) return /^(08|57P)/.test(error.code ?? '');
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|ENOTFOUND)$/.test(code)) return true;
  return /Connection terminated|connection timeout/i.test(error.message);
}

/** The error as the store's callers see it: an outage as DatabaseUnavailableError, anything else as it is. */
function asStoreError(error: unknown): unknown {
  return unavailable(error)
    ? new DatabaseUnavailableError('the database did not answer; try again', { cause: error })
    : error;
}

function queryable(client: pg.Pool | pg.PoolClient): Queryable {
  const query = async <T>(sql: string, params: readonly Param[] = []) => {
    try {
      return (await client.query({ ...named(sql), values: bound(params) })) as pg.QueryResult & { rows: T[] };
    } catch (error) {
      throw asStoreError(error);
    }
  };
  return {
    all: async <T>(sql: string, params?: readonly Param[]) => (await query<T>(sql, params)).rows,
    get: async <T>(sql: string, params?: readonly Param[]) => (await query<T>(sql, params)).rows[0],
    run: async (sql: string, params?: readonly Param[]) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
  };
}

/** deadlock_detected and serialization_failure: the transaction was aborted for another's sake and may be run again. */
const RETRYABLE = new Set(['40P01', '40001']);
const isRetryable = (error: unknown) => error instanceof pg.DatabaseError && RETRYABLE.has(error.code ?? '');

export class PostgresDb implements Db {
  readonly dialect = 'postgres';
  readonly forUpdate = ' FOR UPDATE';
  readonly forUpdateSkipLocked = ' FOR UPDATE SKIP LOCKED';
  readonly pool: pg.Pool;
  private readonly direct: Queryable;

  constructor(connectionString: string, { max = 10 } = {}) {
    this.pool = new pg.Pool({ connectionString, max });
    // An idle pooled connection that the server drops (Postgres restarted, a network cut) is emitted as an error on
    // the pool, which has already discarded it; the next query opens another. Unheard, that error killed every
    // coordinator process at a Postgres restart (found by npm run chaos).
    this.pool.on('error', () => {});
    this.direct = queryable(this.pool);
  }

  all<T>(sql: string, params?: readonly Param[]) {
    return this.direct.all<T>(sql, params);
  }
  get<T>(sql: string, params?: readonly Param[]) {
    return this.direct.get<T>(sql, params);
  }
  run(sql: string, params?: readonly Param[]) {
    return this.direct.run(sql, params);
  }

  /**
   * Runs `fn` in a transaction, again from the start (at most RETRIES times) when Postgres aborts it as the victim
   * of a deadlock or a serialization failure: the store's transactions touch only the database, so a retry is safe,
   * and the caller sees an error only if it keeps happening.
   */
  async transaction<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(fn);
      } catch (error) {
        if (attempt >= PostgresDb.RETRIES || !isRetryable(error)) throw error;
        // A little random wait, so that the two victims of one conflict do not meet again at once.
        await new Promise((r) => setTimeout(r, Math.random() * 10 * attempt));
      }
    }
  }
  private static readonly RETRIES = 4;

  private async once<T>(fn: (q: Queryable) => Promise<T>): Promise<T> {
    const client = await this.pool.connect().catch((e: unknown) => {
      throw asStoreError(e);
    });
    // A connection lost between two statements of the transaction is emitted on the client, which the pool no longer
    // listens to while it is lent: heard here (the next statement fails with it), and the client is then destroyed
    // rather than returned to the pool.
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken = error;
    };
    client.on('error', onError);
    try {
      const plain = (sql: string) => client.query(sql).catch((e: unknown) => Promise.reject(asStoreError(e)));
      await plain('BEGIN');
      const value = await fn(queryable(client));
      await plain('COMMIT');
      return value;
    } catch (error) {
      await client.query('ROLLBACK').catch((e: Error) => {
        broken ??= e;
      });
      throw error;
    } finally {
      client.off('error', onError);
      client.release(broken);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
