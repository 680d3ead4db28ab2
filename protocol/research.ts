/**
 * @module protocol/research
 * What researchers and the public exchange with a coordinator: projects and their settings, batch submission,
 * batch progress, canonical results, public status and leaderboards. The server parses with these and the
 * OpenAPI description (GET /api/openapi.json) is generated from them, so the API is described once.
 */
import { z } from 'zod';
import { ProjectAbout } from './about.ts';
import { AppInput, AppName } from './apps.ts';

/** A work unit's replication limits, as BOINC names them. */
export const UnitLimits = z
  .strictObject({
    minQuorum: z.number().int().min(1).max(10),
    targetNresults: z.number().int().min(1).max(20),
    maxErrorResults: z.number().int().min(1).max(100),
    maxTotalResults: z.number().int().min(1).max(200),
    /** Seconds a host has to return a replica before it is reissued. */
    delayBoundS: z
      .number()
      .int()
      .min(10)
      .max(30 * 86_400),
  })
  .refine((l) => l.targetNresults >= l.minQuorum, {
    message: 'targetNresults must be at least minQuorum',
    path: ['targetNresults'],
  })
  .refine((l) => l.maxTotalResults >= l.targetNresults, {
    message: 'maxTotalResults must be at least targetNresults',
    path: ['maxTotalResults'],
  });
export type UnitLimits = z.infer<typeof UnitLimits>;

export const ProjectSettings = z.strictObject({
  limits: UnitLimits,
  /** Higher goes first among this coordinator's projects' batches; -100..100. */
  priority: z.number().int().min(-100).max(100),
  /** This project's share of the volunteers' compute against the other projects, in relative units. */
  resourceShare: z.number().positive().max(1e6),
});
export type ProjectSettings = z.infer<typeof ProjectSettings>;

export const Project = z.strictObject({
  id: z.number().int(),
  name: z.string(),
  /** The short name partners' widgets and work requests name the project by (protocol/project-name.ts). */
  shortName: z.string(),
  /** What volunteers are told about it. */
  about: ProjectAbout,
  settings: ProjectSettings,
  createdAt: z.number(),
});
export type Project = z.infer<typeof Project>;

/** POST /api/research/batches: a batch's units, all of one app, with optional limits overriding the project's. */
export const BatchSubmission = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    units: z.array(AppInput).min(1).max(10_000),
    limits: UnitLimits.optional(),
  })
  .refine((b) => b.units.every((u) => u.app === b.units[0]!.app), {
    message: 'all units of a batch must be of one app',
    path: ['units'],
  });
export type BatchSubmission = z.infer<typeof BatchSubmission>;

export const BatchCreated = z.strictObject({ batchId: z.number().int(), app: AppName, units: z.number().int() });
export type BatchCreated = z.infer<typeof BatchCreated>;

/** POST /api/research/batches/:id/cancel: how many undecided units were cancelled. */
export const BatchCancelled = z.strictObject({ batchId: z.number().int(), cancelled: z.number().int() });
export type BatchCancelled = z.infer<typeof BatchCancelled>;

export const UnitCounts = z.strictObject({
  total: z.number().int(),
  /** Active units none of whose replicas is out yet. */
  waiting: z.number().int(),
  /** Active units with at least one replica sent. */
  inProgress: z.number().int(),
  validated: z.number().int(),
  failed: z.number().int(),
});
export type UnitCounts = z.infer<typeof UnitCounts>;

export const ErrorGroup = z.strictObject({
  /** 'unit' for why units failed, 'replica' for errors hosts reported. */
  kind: z.enum(['unit', 'replica']),
  reason: z.string(),
  count: z.number().int(),
});
export type ErrorGroup = z.infer<typeof ErrorGroup>;

export const BatchProgress = z.strictObject({
  batchId: z.number().int(),
  name: z.string(),
  app: AppName,
  createdAt: z.number(),
  units: UnitCounts,
  replicasInFlight: z.number().int(),
  /**
   * Hosts holding those replicas: computing them or keeping them in their work buffers. Replicas in flight with no
   * compute rate are waiting in these hosts' buffers.
   */
  hostsHolding: z.number().int(),
  /**
   * The earliest deadline of a replica in flight (ms since epoch), to the start of its minute: then it goes to another
   * host. Null with none.
   */
  nextDeadline: z.number().nullable(),
  /** Units validated per time bucket: [bucket start (ms since epoch), count], oldest first. */
  throughput: z.array(z.tuple([z.number(), z.number().int()])),
  bucketMs: z.number().int(),
  /** When the remaining units should be done at the recent rate (ms since epoch); null when nothing moves yet. */
  estimatedCompletion: z.number().nullable(),
  activeHosts: z.number().int(),
  activeVolunteers: z.number().int(),
  /** Compute of the results returned in the recent window, in billions of floating-point operations per second. */
  gflops: z.number(),
  errors: z.array(ErrorGroup),
  at: z.number(),
});
export type BatchProgress = z.infer<typeof BatchProgress>;

export const BatchList = z.strictObject({ batches: z.array(BatchProgress) });
export type BatchList = z.infer<typeof BatchList>;

/** One line of GET /api/research/batches/:id/results (JSON lines): a unit's canonical result. */
export const CanonicalResultLine = z.strictObject({
  workUnitId: z.number().int(),
  replicaId: z.number().int(),
  app: AppName,
  input: z.unknown(),
  output: z.unknown(),
  validatedAt: z.number().nullable(),
});
export type CanonicalResultLine = z.infer<typeof CanonicalResultLine>;

/** GET /api/public/projects: each project's state, as BOINC's server status page shows it. */
export const ProjectStatus = z.strictObject({
  /** The short name (protocol/project-name.ts); `demo` for the coordinator's own demo work. */
  shortName: z.string(),
  name: z.string(),
  batches: z.number().int(),
  units: UnitCounts,
  replicasInFlight: z.number().int(),
  hostsHolding: z.number().int(),
  /** The start of the minute in which the earliest deadline of a replica out falls (ms since epoch); null with none. */
  nextDeadline: z.number().nullable(),
  /** Hosts and volunteers with a replica out or a result returned in the last ten minutes (from a whole second). */
  activeHosts: z.number().int(),
  activeVolunteers: z.number().int(),
  /** Compute of the results returned in those ten minutes, in billions of floating-point operations per second. */
  gflops: z.number(),
});
export type ProjectStatus = z.infer<typeof ProjectStatus>;

export const PublicStatus = z.strictObject({
  projects: z.array(ProjectStatus),
  /** All work on the coordinator, demo work included. */
  totals: z.strictObject({ activeHosts: z.number().int(), activeVolunteers: z.number().int(), gflops: z.number() }),
  at: z.number(),
});
export type PublicStatus = z.infer<typeof PublicStatus>;

export const LeaderboardEntry = z.strictObject({
  rank: z.number().int(),
  /** The volunteer's id (public, as in the statistics export), so a page can tell which entry is its own. */
  volunteerId: z.number().int(),
  /** The volunteer's public name, which they choose (PUT /api/volunteer/name). */
  name: z.string(),
  totalCredit: z.number(),
  recentAverageCredit: z.number(),
});
export type LeaderboardEntry = z.infer<typeof LeaderboardEntry>;

/** A partner site (its origin), by the credit of the hosts that compute in its embedded widget. */
export const PartnerEntry = z.strictObject({
  rank: z.number().int(),
  name: z.string(),
  hosts: z.number().int(),
  totalCredit: z.number(),
  recentAverageCredit: z.number(),
});
export type PartnerEntry = z.infer<typeof PartnerEntry>;

/**
 * GET /api/public/leaderboard: volunteers, and partner sites, by total credit. With `?you=VOLUNTEER_ID`, also that
 * volunteer's own line wherever they rank (rank null while they have no credit); null for an unknown id.
 */
export const Leaderboard = z.strictObject({
  volunteers: z.array(LeaderboardEntry),
  partners: z.array(PartnerEntry),
  you: LeaderboardEntry.extend({ rank: z.number().int().nullable() }).nullable().optional(),
});
export type Leaderboard = z.infer<typeof Leaderboard>;

/** The result of creating a project: the key is shown once, only its SHA-256 is kept. */
export const ProjectCreated = z.strictObject({
  projectId: z.number().int(),
  researcherId: z.number().int(),
  apiKey: z.string(),
});
export type ProjectCreated = z.infer<typeof ProjectCreated>;
