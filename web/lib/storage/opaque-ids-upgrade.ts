/**
 * @module web/lib/storage/opaque-ids-upgrade
 * Version 3 of the page's database (the coordinator's migration 21, issue 17): a host knows its replicas by opaque
 * tokens. What a page kept under version 2 stays: buffered replicas and finished results keep their old numbers as
 * keys (the coordinator takes a report naming a replica it sent before its migration by that number, from the host
 * it sent it to) and lose only their work unit's number, which the page no longer has, shows or sends. The buffer
 * gets an index by deadline: tokens are random, so the keys' order is no longer the order replicas were issued in.
 */
import type { IDBPTransaction, StoreNames } from 'idb';
import type { BufferedUnit, OutboxEntry, TerraflopDB } from './db.ts';

type Upgrade = IDBPTransaction<TerraflopDB, StoreNames<TerraflopDB>[], 'versionchange'>;

/** Version 2 wrote each unit's number beside its replica. */
type Numbered<T> = T & { workUnitId?: number };

/** Runs inside the version change: the database opens once every request below has succeeded, or not at all. */
export function upgradeToOpaqueIds(tx: Upgrade): void {
  tx.objectStore('buffer').createIndex('deadline', 'assignment.deadline');
  void forgetUnitNumbers(tx);
}

async function forgetUnitNumbers(tx: Upgrade): Promise<void> {
  for (let c = await tx.objectStore('buffer').openCursor(); c; c = await c.continue()) {
    const { workUnitId: _, ...assignment } = c.value.assignment as Numbered<BufferedUnit['assignment']>;
    await c.update({ ...c.value, assignment });
  }
  for (let c = await tx.objectStore('outbox').openCursor(); c; c = await c.continue()) {
    const { workUnitId: _, ...entry } = c.value as Numbered<OutboxEntry>;
    await c.update(entry);
  }
}
