/**
 * @module web/lib/storage/work-buffer
 * BOINC's work buffer in IndexedDB: replicas fetched ahead, measured in seconds of work, so that computing goes on
 * through a lost network. Finishing a replica moves its result to the outbox and forgets its checkpoint in one
 * transaction, so a crash at any moment leaves the replica either still to compute or waiting to upload, never both.
 */
import type { Assignment, ReplicaRef, ResultEntry } from '../../../protocol/work.ts';
import { database, type BufferedUnit, type StoredCheckpoint } from './db.ts';

/** Adds newly issued replicas; a replica already buffered keeps its attempts. */
export async function addToBuffer(assignments: readonly Assignment[]): Promise<void> {
  const tx = (await database()).transaction('buffer', 'readwrite');
  for (const assignment of assignments) {
    if (!(await tx.store.get(assignment.replicaId)))
      await tx.store.put({ assignment, attempts: 0 }, assignment.replicaId);
  }
  await tx.done;
}

/**
 * The buffered replicas' tokens, the one due first first (tokens are random; deadlines follow the order they were
 * issued in): keys only, so no unit is deserialised on the page's main thread.
 */
export async function bufferedIds(): Promise<ReplicaRef[]> {
  return (await database()).getAllKeysFromIndex('buffer', 'deadline');
}

/** A buffered replica with its latest checkpoint (none when it never ran), ready to run. */
export interface ReadyUnit extends BufferedUnit {
  checkpoint: StoredCheckpoint | undefined;
}

/**
 * A buffered replica and its checkpoint, read in one transaction when the replica is claimed: the page claims the
 * next replica while the current one runs, so the worker starts it without waiting for IndexedDB.
 */
export async function bufferedUnit(replicaId: ReplicaRef): Promise<ReadyUnit | undefined> {
  const tx = (await database()).transaction(['buffer', 'checkpoints']);
  const [unit, checkpoint] = await Promise.all([
    tx.objectStore('buffer').get(replicaId),
    tx.objectStore('checkpoints').get(replicaId),
  ]);
  return unit && { ...unit, checkpoint };
}

/** Drops replicas past their deadline: the coordinator has reissued them, computing them would be wasted. */
export async function dropExpired(now: number): Promise<ReplicaRef[]> {
  const tx = (await database()).transaction(['buffer', 'checkpoints'], 'readwrite');
  const dropped: ReplicaRef[] = [];
  for (const unit of await tx.objectStore('buffer').getAll()) {
    if (unit.assignment.deadline <= now) {
      dropped.push(unit.assignment.replicaId);
      await tx.objectStore('buffer').delete(unit.assignment.replicaId);
      await tx.objectStore('checkpoints').delete(unit.assignment.replicaId);
    }
  }
  await tx.done;
  return dropped;
}

/** Records a failed run; returns the attempts so far. */
export async function recordAttempt(replicaId: ReplicaRef): Promise<number> {
  const tx = (await database()).transaction('buffer', 'readwrite');
  const unit = await tx.store.get(replicaId);
  if (!unit) return 0;
  unit.attempts++;
  await tx.store.put(unit, replicaId);
  await tx.done;
  return unit.attempts;
}

/** Moves a replica from the buffer to the outbox with its result (or its error), dropping its checkpoint. */
export async function completeUnit(replicaId: ReplicaRef, entry: ResultEntry, now: number): Promise<void> {
  const tx = (await database()).transaction(['buffer', 'outbox', 'checkpoints'], 'readwrite');
  await tx.objectStore('outbox').put({ entry, computedAt: now }, replicaId);
  await tx.objectStore('buffer').delete(replicaId);
  await tx.objectStore('checkpoints').delete(replicaId);
  await tx.done;
}
