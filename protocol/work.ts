/**
 * @module protocol/work
 * The two calls a host makes in its life: ask for work (and get replicas), report results (and get them
 * acknowledged). Both are batched, as BOINC's scheduler RPC is, so a host makes few requests.
 */
import { z } from 'zod';
import { AppInput, AppOutput, Variant } from './apps.ts';

export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const WorkRequest = z.strictObject({
  /** How many replicas the host wants now, at most. */
  maxReplicas: z.number().int().min(1).max(64),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

export const Assignment = z.intersection(
  z.strictObject({
    replicaId: Id,
    workUnitId: Id,
    /** Epoch milliseconds after which the coordinator reissues the unit elsewhere. */
    deadline: z.number().int(),
    flopsEstimate: z.number().positive(),
  }),
  AppInput,
);
export type Assignment = z.infer<typeof Assignment>;

export const WorkReply = z.strictObject({
  replicas: z.array(Assignment),
});
export type WorkReply = z.infer<typeof WorkReply>;

export const ResultEntry = z.intersection(
  z.strictObject({
    replicaId: Id,
    variant: Variant,
    elapsedMs: z.number().min(0).max(365 * 86_400_000),
  }),
  AppOutput,
);
export type ResultEntry = z.infer<typeof ResultEntry>;

export const ResultReport = z.strictObject({
  results: z.array(ResultEntry).min(1).max(64),
});
export type ResultReport = z.infer<typeof ResultReport>;

export const ReportReply = z.strictObject({
  /** Replicas whose results are stored durably; the host may forget them. */
  accepted: z.array(Id),
  /** Replicas whose results were refused, with the reason; the host should drop them too. */
  rejected: z.array(z.strictObject({ replicaId: Id, error: z.string() })),
});
export type ReportReply = z.infer<typeof ReportReply>;
