/**
 * @module protocol/host
 * A host is one browser profile; a volunteer owns one or more hosts. Registration gives the host its identity.
 */
import { z } from 'zod';
import { PublicKeyJwk } from './auth.ts';
import { displayName } from './display-name.ts';
import { RegistrationProof } from './registration-proof.ts';
import { Id } from './work.ts';

export const RegisterHost = z.strictObject({
  /** A solved challenge from GET /api/hosts/challenge: what an identity costs (protocol/registration-proof.ts). */
  proof: RegistrationProof,
  /**
   * The host's ECDSA P-256 public key; every later request is signed with its private half. Without one, the
   * coordinator issues a bearer token instead (for scripts and simple clients).
   */
  publicKey: PublicKeyJwk.optional(),
  volunteerName: displayName(64).optional(),
  /** A free-text description of the device (browser, cores), shown to its volunteer only. */
  platform: z.string().max(256).optional(),
  /**
   * The partner site whose widget this host computes in (its origin, e.g. https://example.org); credit counts for
   * it.
   */
  partner: z
    .string()
    .max(256)
    .refine((s) => URL.canParse(s) && /^https?:$/.test(new URL(s).protocol) && new URL(s).origin === s, {
      message: 'must be a web origin such as https://example.org (scheme, host and port only)',
    })
    .optional(),
});
export type RegisterHost = z.infer<typeof RegisterHost>;

export const HostIdentity = z.strictObject({
  hostId: Id,
  volunteerId: Id,
  /** Bearer secret for a host registered without a key; the coordinator keeps only its hash. */
  token: z.string().min(32).optional(),
});
export type HostIdentity = z.infer<typeof HostIdentity>;

export const Credit = z.strictObject({
  /** Granted credit, in cobblestones (200 per GFLOPS-day). */
  total: z.number().min(0),
  /** Recent average credit per day, decayed with a one-week half-life (BOINC's RAC). */
  recentAverage: z.number().min(0),
});
export type Credit = z.infer<typeof Credit>;

export const HostStatus = z.strictObject({
  hostId: Id,
  volunteerId: Id,
  volunteerName: z.string(),
  credit: Credit,
  volunteerCredit: Credit,
  /**
   * The volunteer's credit by stage, all their hosts together, in cobblestones: `pending`, what their results waiting
   * for a quorum would be granted if they agree (each unit's credit from its FLOP estimate); granted is
   * volunteerCredit.total; `settled`, the granted credit past the settling period: final, and what goes on chain.
   */
  volunteerStages: z.strictObject({ pending: z.number().min(0), settled: z.number().min(0) }),
  results: z.strictObject({
    inProgress: z.number().int().min(0),
    pending: z.number().int().min(0),
    /**
     * Of the pending results, those whose unit waits for another volunteer to take one of its replicas: no other
     * host holds one yet, so credit waits on a second volunteer.
     */
    awaitingVolunteer: z.number().int().min(0),
    valid: z.number().int().min(0),
    invalid: z.number().int().min(0),
  }),
});
export type HostStatus = z.infer<typeof HostStatus>;
