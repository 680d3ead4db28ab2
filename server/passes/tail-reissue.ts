/**
 * @module server/passes/tail-reissue
 * The transitioner's decision on a batch's tail (server/store/tail.ts), for one undecided unit: one tail replica,
 * for a reliable host, once a replica of it is overdue and its batch is nearly decided; otherwise when to look again.
 * A unit gets one tail replica at most, whatever happens to it, so running the decision again changes nothing.
 */
import { overdue, overdueAt, recheckAt } from '../store/tail.ts';
import type { Replica, UnitChanges, WorkUnit } from '../store/types.ts';

export interface TailInput {
  unit: WorkUnit;
  replicas: readonly Replica[];
  /** Replicas out and not timed out at `now`. */
  inProgress: readonly Replica[];
  /** Replicas not sent yet. */
  unsent: readonly Replica[];
  /** Replicas the transitioner makes anyway (a quorum's missing ones), and how many more the unit's limit allows. */
  newReplicas: number;
  room: number;
  now: number;
}

export function decideTail({
  unit,
  replicas,
  inProgress,
  unsent,
  newReplicas,
  room,
  now,
}: TailInput): Pick<UnitChanges, 'newReplicas' | 'tailReplica' | 'wakeAt'> {
  // A single replica that fails goes back to its quorum (server/passes/transition.ts); one tail replica per unit.
  if (unit.single || unit.canonicalReplicaId !== null || replicas.some((r) => r.tail)) return {};
  const late = overdue(inProgress, now);
  const siblingsWait = unit.siblingAt !== undefined && unit.siblingAt !== null && now < unit.siblingAt;
  if (
    late.length > 0 &&
    unit.batchInTail === true &&
    newReplicas === 0 &&
    unsent.length === 0 &&
    room > 0 &&
    !siblingsWait
  ) {
    return { newReplicas: 1, tailReplica: true };
  }
  const wakes = inProgress.flatMap((r) => {
    if (r.sentAt === null || r.deadline === null) return [];
    return late.includes(r) ? [recheckAt(r.sentAt, r.deadline, now)] : [overdueAt(r.sentAt, r.deadline)];
  });
  return wakes.length > 0 ? { wakeAt: Math.min(...wakes) } : {};
}
