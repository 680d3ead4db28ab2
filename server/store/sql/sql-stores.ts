/**
 * @module server/store/sql/sql-stores
 * The store family over one SQL database: each narrow store is its own class over the shared Db, which only this
 * room holds.
 */
import type { Stores } from '../stores.ts';
import { SqlAppStore } from './app-store.ts';
import { sqlChainStore } from './chain-store.ts';
import type { Db } from './db.ts';
import { SqlResearchStore } from './research-store.ts';
import { SqlStore, type SqlStoreOptions } from './sql-store.ts';
import { SqlTrainingStore } from './training-store.ts';

/** @example const stores = sqlStores(db); await stores.work.createHost({ now: Date.now() }); */
export function sqlStores(db: Db, options: SqlStoreOptions = {}): Stores {
  return {
    work: new SqlStore(db, options),
    research: new SqlResearchStore(db),
    apps: new SqlAppStore(db),
    chain: sqlChainStore(db),
    training: new SqlTrainingStore(db),
    close: () => db.close(),
  };
}
