/**
 * @module web/lib/storage/outbox
 * Finished results waiting for the coordinator. An entry leaves only on the coordinator's answer for it (accepted,
 * or refused with a reason), never on a send that may not have arrived, so no result is lost and, since the
 * coordinator refuses a replica reported twice, none counts twice.
 */
import type { ReplicaRef, ResultEntry } from '../../../protocol/work.ts';
import { database } from './db.ts';

export async function pendingResults(limit: number): Promise<ResultEntry[]> {
  const entries = await (await database()).getAll('outbox', undefined, limit);
  return entries.map((e) => e.entry);
}

export async function outboxSize(): Promise<number> {
  return (await database()).count('outbox');
}

/** Forgets the answered replicas and adds the accepted ones to the count of units done, in one transaction. */
export async function acknowledge(answered: readonly ReplicaRef[], accepted: number): Promise<number> {
  const tx = (await database()).transaction(['outbox', 'counters'], 'readwrite');
  for (const id of answered) await tx.objectStore('outbox').delete(id);
  const done = ((await tx.objectStore('counters').get('unitsDone')) ?? 0) + accepted;
  await tx.objectStore('counters').put(done, 'unitsDone');
  await tx.done;
  return done;
}

export async function readCounter(name: string): Promise<number | undefined> {
  return (await database()).get('counters', name);
}

export async function writeCounter(name: string, value: number): Promise<void> {
  await (await database()).put('counters', value, name);
}
