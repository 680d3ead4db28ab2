/**
 * @module server/store/research-access
 * The part of the ResearchStore through which a project's researchers manage who may use it: researchers, their
 * API keys (only each key's SHA-256 and first characters are stored), and revocation, which never leaves a
 * project without a live key. Implemented over SQL in server/store/sql/research-accounts.ts.
 */
import type { ResearcherAccount } from '../../protocol/research-access.ts';
import { BaseError } from '../../protocol/base-error.ts';

/** Who an API key belongs to. */
export interface Researcher {
  researcherId: number;
  projectId: number;
}

/** Who an API key belongs to, and which key it is. */
export interface ResearcherKey extends Researcher {
  keyId: number;
  /** When the key last authenticated a request (kept to the minute); null when never. */
  lastUsedAt: number | null;
}

/** A new key, as the store receives it: the key itself never reaches the database. */
export interface NewKey {
  keyHash: string;
  /** The key's first characters, shown to tell keys apart. */
  keyPrefix: string;
}

export class ResearcherNameTakenError extends BaseError {
  override name = 'ResearcherNameTakenError' as const;
  constructor(name: string) {
    super(`the project already has a researcher named "${name}"`, { details: { researcherName: name } });
  }
}

export class LastLiveKeyError extends BaseError {
  override name = 'LastLiveKeyError' as const;
  constructor(keyId: number) {
    super(
      `key ${keyId} is the project's last live key: ` +
        'make another key first, so that nobody is locked out of the project',
      { details: { keyId } },
    );
  }
}

export interface ResearchAccessStore {
  /** The researcher and key an API key's SHA-256 belongs to, unless unknown or revoked. */
  findResearcherByKeyHash(keyHash: string): Promise<ResearcherKey | undefined>;
  /** Records that a key authenticated a request at `now`. */
  touchApiKey(keyId: number, now: number): Promise<void>;
  /** The project's researchers, oldest first, each with its keys, oldest first; `current` marks `currentKeyId`. */
  projectAccess(projectId: number, currentKeyId: number): Promise<ResearcherAccount[]>;
  /** Adds a researcher to the project with a first key; throws ResearcherNameTakenError when the name is taken. */
  addResearcher(params: {
    projectId: number;
    name: string;
    key: NewKey;
    now: number;
  }): Promise<{ researcherId: number; keyId: number }>;
  /** Makes another key for a researcher; returns its id. */
  createApiKey(params: { researcherId: number; key: NewKey; now: number }): Promise<number>;
  /**
   * Revokes a key of the project; undefined when the project has no such key. Revoking a revoked key changes
   * nothing and answers when it was revoked. Throws LastLiveKeyError for the project's last live key.
   */
  revokeApiKey(
    projectId: number,
    keyId: number,
    now: number,
  ): Promise<{ keyId: number; revokedAt: number } | undefined>;
}
