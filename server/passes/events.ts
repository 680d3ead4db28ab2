/**
 * @module server/passes/events
 * What the deciding passes tell whoever listens (the coordinator's metrics and log), after their transaction
 * committed: each unit as it was loaded and the changes decided for it. The passes know only this interface.
 */
import type { UnitQueue } from '../store/store.ts';
import type { UnitChanges, UnitWithReplicas } from '../store/types.ts';

export interface Decision {
  /** The unit and its replicas as the pass loaded them. */
  before: UnitWithReplicas;
  changes: UnitChanges;
}

export interface WorkEvents {
  decided(queue: UnitQueue, decisions: readonly Decision[]): void;
}

/** Several listeners as one. */
export function allOf(...listeners: WorkEvents[]): WorkEvents {
  return {
    decided(queue, decisions) {
      for (const l of listeners) l.decided(queue, decisions);
    },
  };
}
