/**
 * @module web/lib/storage/db
 * The page's one IndexedDB database, so that a reload, a crash or a lost network loses no work: host identity,
 * the volunteer's settings, the work buffer, the outbox of finished results, checkpoints and counters.
 */
import { openDB, type DBSchema, type IDBPDatabase } from 'idb';
import type { Assignment, ReplicaRef, ResultEntry } from '../../../protocol/work.ts';
import { upgradeToOpaqueIds } from './opaque-ids-upgrade.ts';

/**
 * A replica as the page keeps it: named by its token, or, for one buffered before the coordinator's opaque ids
 * (database version 2), by its old number, which the coordinator still takes in its report.
 */
export type BufferedAssignment = Assignment extends infer A
  ? A extends unknown
    ? Omit<A, 'replicaId'> & { replicaId: ReplicaRef }
    : never
  : never;

/** A replica waiting in the work buffer; `attempts` counts runs that crashed, hung or threw. */
export interface BufferedUnit {
  assignment: BufferedAssignment;
  attempts: number;
}

/** A finished result waiting for the coordinator's acknowledgement. */
export interface OutboxEntry {
  entry: ResultEntry;
  computedAt: number;
}

/** The latest checkpoint of a replica, and how far it had got. */
export interface StoredCheckpoint {
  state: unknown;
  progress: number;
  savedAt: number;
}

export interface TerraflopDB extends DBSchema {
  identity: { key: string; value: unknown };
  settings: { key: string; value: unknown };
  /**
   * Keyed by replica token (random: no order), indexed by deadline, so the replica due first is computed first.
   */
  buffer: { key: ReplicaRef; value: BufferedUnit; indexes: { deadline: number } };
  outbox: { key: ReplicaRef; value: OutboxEntry };
  checkpoints: { key: ReplicaRef; value: StoredCheckpoint };
  counters: { key: string; value: number };
}

export type Database = IDBPDatabase<TerraflopDB>;

/** The volunteer page's database; the partner widget's frame uses one of its own per partner (useDatabase). */
export const DEFAULT_DATABASE = 'terraflop';
let name = DEFAULT_DATABASE;
let opening: Promise<Database> | undefined;

/**
 * Makes this page keep its state in the database `dbName` instead of the default, before anything opens it. The
 * widget's frame has the coordinator's origin, so without its own name it would share (and overwrite) the volunteer
 * page's host identity, settings and outbox wherever the browser does not partition the frame's storage.
 */
export function useDatabase(dbName: string): void {
  if (opening && dbName !== name)
    throw new Error(`the database "${name}" is already open; choose "${dbName}" before first use`);
  name = dbName;
}

/**
 * The database, opened once per page; version 1 had the identity store only; version 2 kept replicas under the
 * coordinator's sequential numbers; version 3 under opaque tokens (opaque-ids-upgrade.ts).
 */
export const DATABASE_VERSION = 3;

export function database(): Promise<Database> {
  opening ??= openDB<TerraflopDB>(name, DATABASE_VERSION, {
    upgrade(db, oldVersion, _newVersion, transaction) {
      if (oldVersion < 1) db.createObjectStore('identity');
      if (oldVersion < 2) {
        db.createObjectStore('settings');
        db.createObjectStore('buffer');
        db.createObjectStore('outbox');
        db.createObjectStore('checkpoints');
        db.createObjectStore('counters');
      }
      if (oldVersion < 3) upgradeToOpaqueIds(transaction);
    },
    blocking() {
      // A newer version of the page wants to upgrade: let it, this page will reopen on next use.
      void opening?.then((db) => db.close());
      opening = undefined;
    },
  });
  return opening;
}
