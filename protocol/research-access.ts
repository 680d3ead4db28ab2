/**
 * @module protocol/research-access
 * Who may use a project: its researchers and their API keys, managed by the researchers themselves through the
 * research API (a key is shown once, when made; only its first characters are ever shown again), and the optional
 * self-service sign-up that makes a project. The server parses with these and the OpenAPI description is generated
 * from them.
 */
import { z } from 'zod';
import { displayName } from './display-name.ts';
import { projectShortName } from './project-name.ts';

/** A person's name as the project shows it: 1-100 characters, no control characters nor bidi overrides. */
const PersonName = displayName(100);

/** One API key of a researcher, never the key itself nor its hash. */
export const ApiKeyInfo = z.strictObject({
  keyId: z.number().int(),
  /**
   * The key's first characters (`tf_` and eight more), to recognise it by; null for keys made before they were
   * kept.
   */
  prefix: z.string().nullable(),
  createdAt: z.number(),
  /** When a request last authenticated with it, to the minute; null when never. */
  lastUsedAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
  /** Whether this is the key the request itself was made with. */
  current: z.boolean(),
});
export type ApiKeyInfo = z.infer<typeof ApiKeyInfo>;

export const ResearcherAccount = z.strictObject({
  researcherId: z.number().int(),
  name: z.string(),
  createdAt: z.number(),
  /** Oldest first, revoked ones included. */
  keys: z.array(ApiKeyInfo),
});
export type ResearcherAccount = z.infer<typeof ResearcherAccount>;

/** GET /api/research/researchers: the project's researchers, oldest first, with their keys. */
export const ResearcherList = z.strictObject({ researchers: z.array(ResearcherAccount) });
export type ResearcherList = z.infer<typeof ResearcherList>;

/** POST /api/research/researchers: a new researcher of the project (names are unique within a project). */
export const NewResearcher = z.strictObject({ name: PersonName });
export type NewResearcher = z.infer<typeof NewResearcher>;

/** A key just made (POST /api/research/keys, or a new researcher's first): the only time `apiKey` is shown. */
export const ApiKeyCreated = z.strictObject({
  researcherId: z.number().int(),
  keyId: z.number().int(),
  prefix: z.string(),
  apiKey: z.string(),
});
export type ApiKeyCreated = z.infer<typeof ApiKeyCreated>;

/** POST /api/research/keys/:id/revoke: the key and when it was revoked (the first time, if it already was). */
export const ApiKeyRevoked = z.strictObject({ keyId: z.number().int(), revokedAt: z.number() });
export type ApiKeyRevoked = z.infer<typeof ApiKeyRevoked>;

/** POST /api/research/projects (only where the operator opened sign-up): a project and its first researcher. */
export const ProjectSignup = z.strictObject({
  name: z
    .string()
    .trim()
    .min(1)
    .max(100)
    .refine(
      (name) => projectShortName(name) !== '',
      'must contain a letter or a digit (partner widgets name the project by them)',
    ),
  researcherName: PersonName,
});
export type ProjectSignup = z.infer<typeof ProjectSignup>;
