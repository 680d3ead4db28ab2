/**
 * @module protocol/work
 * The two calls a host makes in its life: ask for work (and get replicas), report results (and get them
 * acknowledged). Both are batched, as BOINC's scheduler RPC is, so a host makes few requests.
 */
import { z } from 'zod';
import { AppInput, AppOutput, Variant } from './apps.ts';
import { SerializedError } from './errors.ts';
import { PROJECT_SHORT_NAME } from './project-name.ts';

export const Id = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

/**
 * A replica as its host knows it: 128 bits in base64url (22 characters; the last one carries 2 bits, so it is one
 * of A, Q, g, w, and each token has one spelling). The coordinator makes it by enciphering the replica's id under a
 * key only coordinators hold (server/store/replica-tokens.ts), so to a host it is as random as drawn bits: it says
 * nothing of the replica's unit, its siblings, its order or whether it went out alone (issue 17: sequential ids told
 * a sybil which units were spot-checked). See docs/coordinator.md.
 */
export const ReplicaToken = z
  .string()
  .regex(/^[A-Za-z0-9_-]{21}[AQgw]$/, 'a replica token: 22 base64url characters (128 random bits)');
export type ReplicaToken = z.infer<typeof ReplicaToken>;

/** Random bytes in a replica token. */
export const REPLICA_TOKEN_BYTES = 16;

/**
 * A replica's number, as coordinators before migration 21 sent it: a page may still hold results (or units to
 * compute) under one. Accepted in reports only for a replica sent before that migration, from the host it was sent
 * to (server/store/sql/report.ts); never sent to a host again.
 */
export const LegacyReplicaId = Id;

/** How a report names a replica: its token, or the number a replica sent before opaque ids had. */
export const ReplicaRef = z.union([ReplicaToken, LegacyReplicaId]);
export type ReplicaRef = z.infer<typeof ReplicaRef>;

/** The token a reference stands for: a replica sent before migration 21 has its old number, in decimal, as token. */
export const tokenOf = (ref: ReplicaRef): string => (typeof ref === 'number' ? String(ref) : ref);

/** What a host can run; a unit that needs more is never sent to it. */
export const Capabilities = z.strictObject({
  webgpu: z.boolean(),
  /** Memory the host lets one unit use, in MiB. */
  memoryMb: z
    .number()
    .int()
    .min(16)
    .max(1 << 20),
});
export type Capabilities = z.infer<typeof Capabilities>;

/**
 * The most replicas one work request may ask for and one report may carry: a host with a long buffer of short units
 * asks for this many at a time (web/lib/work-fetcher.ts), so it is also what the coordinator benchmark's hosts ask.
 */
export const MAX_REPLICAS_PER_REQUEST = 64;

export const WorkRequest = z.strictObject({
  /** How many replicas the host wants now, at most. */
  maxReplicas: z.number().int().min(1).max(MAX_REPLICAS_PER_REQUEST),
  /**
   * Seconds of work the host wants buffered (BOINC's work buffer); the scheduler converts it to units with the
   * host's measured speed. Without it, maxReplicas units are sent.
   */
  bufferSeconds: z
    .number()
    .min(0)
    .max(7 * 86_400)
    .optional(),
  capabilities: Capabilities.optional(),
  /**
   * Only units of this project (its short name, protocol/project-name.ts; "demo" for the demo project): a partner's
   * widget asks for the project its page names, which is what the visitor agreed to. Without it, any project's.
   */
  project: z
    .string()
    .regex(PROJECT_SHORT_NAME, 'a project short name: 1-64 lowercase letters, digits or dashes')
    .optional(),
});
export type WorkRequest = z.infer<typeof WorkRequest>;

export const Assignment = z.intersection(
  z.strictObject({
    /** The replica's token: the only id a host is given, and what its report names. */
    replicaId: ReplicaToken,
    /** Epoch milliseconds after which the coordinator reissues the unit elsewhere. */
    deadline: z.number().int(),
    flopsEstimate: z.number().positive(),
    /**
     * The short name of the unit's project (protocol/project-name.ts; "demo" for the demo), which the page names
     * with its description (GET /api/public/about). Absent from units an older coordinator issued.
     */
    project: z.string().regex(PROJECT_SHORT_NAME).optional(),
  }),
  AppInput,
);
export type Assignment = z.infer<typeof Assignment>;

export const WorkReply = z.strictObject({
  replicas: z.array(Assignment),
});
export type WorkReply = z.infer<typeof WorkReply>;

const ElapsedMs = z
  .number()
  .min(0)
  .max(365 * 86_400_000);

/** A replica computed: its output, and which variant of the kernel produced it. */
export const SuccessEntry = z.strictObject({
  status: z.literal('success'),
  replicaId: ReplicaRef,
  variant: Variant,
  elapsedMs: ElapsedMs,
  result: AppOutput,
});
export type SuccessEntry = z.infer<typeof SuccessEntry>;

/**
 * A replica the host could not compute (the kernel failed twice, the worker crashed or hung): BOINC's client error,
 * with the error in the protocol's one shape, its causes and details kept.
 */
export const ErrorEntry = z.strictObject({
  status: z.literal('error'),
  replicaId: ReplicaRef,
  elapsedMs: ElapsedMs,
  error: SerializedError,
});
export type ErrorEntry = z.infer<typeof ErrorEntry>;

/** One reported replica; `status` says which shape follows, so a bad entry gets errors about its own fields. */
export const ResultEntry = z.discriminatedUnion('status', [SuccessEntry, ErrorEntry]);
export type ResultEntry = z.infer<typeof ResultEntry>;

export const ResultReport = z.strictObject({
  results: z.array(ResultEntry).min(1).max(MAX_REPLICAS_PER_REQUEST),
});
export type ResultReport = z.infer<typeof ResultReport>;

/** The largest request body the coordinator takes (server/http/app.ts): 64 results of a few kilobytes each. */
export const MAX_BODY_BYTES = 1 << 20;

/**
 * The longest run of entries, from the first, whose report fits in `maxBytes`: a training result carries a model's
 * pseudo-gradient (hundreds of kilobytes), so a few waiting at once would not fit in one report. Always at least one
 * entry, so a report too large alone still goes out and is refused by name rather than waiting forever.
 */
export function fitReport<E>(entries: readonly E[], maxBytes = MAX_BODY_BYTES): E[] {
  // The report's own bytes: {"results":[…]} and a comma between entries.
  let bytes = 14;
  let n = 0;
  for (const entry of entries) {
    bytes += new TextEncoder().encode(JSON.stringify(entry)).length + (n > 0 ? 1 : 0);
    if (bytes > maxBytes && n > 0) break;
    n++;
  }
  return entries.slice(0, n);
}

export const ReportReply = z.strictObject({
  /** Replicas whose results are stored durably; the host may forget them. */
  accepted: z.array(ReplicaRef),
  /** Replicas whose results were refused, with the reason; the host should drop them too. */
  rejected: z.array(z.strictObject({ replicaId: ReplicaRef, error: z.string() })),
});
export type ReportReply = z.infer<typeof ReportReply>;
