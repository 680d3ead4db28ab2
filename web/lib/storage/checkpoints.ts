/**
 * @module web/lib/storage/checkpoints
 * The latest checkpoint of each replica in progress, so that after a reload or a crash its run resumes from there
 * rather than from zero. A checkpoint is read with its replica (work-buffer's bufferedUnit); completing or dropping
 * a replica deletes it.
 */
import type { ReplicaRef } from '../../../protocol/work.ts';
import { database } from './db.ts';

export async function saveCheckpoint(
  replicaId: ReplicaRef,
  state: unknown,
  progress: number,
  now: number,
): Promise<void> {
  const db = await database();
  // A checkpoint arriving after its replica was completed must not resurrect it.
  const tx = db.transaction(['buffer', 'checkpoints'], 'readwrite');
  if (await tx.objectStore('buffer').get(replicaId)) {
    await tx.objectStore('checkpoints').put({ state, progress, savedAt: now }, replicaId);
  }
  await tx.done;
}
