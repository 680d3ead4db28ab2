/**
 * @module web/dashboard/batch-state
 * A batch's state in words a researcher can act on: complete, running (and when it should be done), waiting in
 * volunteers' work buffers (on how many devices, and when the first replica is due back or goes to another
 * volunteer), or queued with none sent yet.
 */
import type { BatchProgress } from '../../protocol/research.ts';
import { formatCount, formatFlops, formatRelative } from '../lib/format.ts';

export interface BatchState {
  label: 'Complete' | 'Running' | 'In volunteers’ buffers' | 'Queued';
  tone: 'ok' | 'info' | 'warn';
  /** What is happening and why, in a sentence or two. */
  detail: string;
}

/** The window of the activity figures (server/store/sql/research-progress.ts ACTIVE_WINDOW_MS). */
const RECENTLY = 'in the last 10 minutes';
const plural = (n: number, one: string, many = `${one}s`) => `${formatCount(n)} ${n === 1 ? one : many}`;

export function batchState(p: BatchProgress, now: number): BatchState {
  const { units } = p;
  if (units.waiting + units.inProgress === 0) {
    const failed = units.failed > 0 ? `, ${plural(units.failed, 'unit')} failed (see Errors)` : '';
    return { label: 'Complete', tone: 'ok', detail: `${plural(units.validated, 'unit')} validated${failed}.` };
  }
  if (p.gflops > 0) {
    const eta =
      p.estimatedCompletion === null
        ? 'its completion is estimated once units are validated'
        : `at this rate it completes ${formatRelative(p.estimatedCompletion, now)}`;
    return {
      label: 'Running',
      tone: 'ok',
      detail: `${plural(p.activeHosts, 'host')} returned ${formatFlops(p.gflops * 1e9)} ${RECENTLY}; ${eta}.`,
    };
  }
  if (p.replicasInFlight > 0) {
    const deadline =
      p.nextDeadline === null
        ? ''
        : ` The first is due back ${formatRelative(p.nextDeadline, now)}; ` +
          'after its deadline a replica goes to another volunteer.';
    return {
      label: 'In volunteers’ buffers',
      tone: 'warn',
      detail:
        `${plural(p.replicasInFlight, 'replica')} ${p.replicasInFlight === 1 ? 'is' : 'are'} queued on ` +
        `${plural(p.hostsHolding, 'device')}, in their work buffers behind other work or waiting for them to ` +
        `compute again; nothing came back ${RECENTLY}.${deadline}`,
    };
  }
  return {
    label: 'Queued',
    tone: 'info',
    detail:
      `${plural(units.waiting, 'unit')} ${units.waiting === 1 ? 'waits' : 'wait'} for volunteers: none is sent yet. ` +
      'Units go out as volunteers ask for work, after work queued before them and work of higher priority.',
  };
}
