/**
 * @module server/store/sql/replica-token-key
 * The key of replica tokens (server/store/replica-tokens.ts), one for every coordinator on the database: drawn by
 * the first to need it and kept in coordinator_secrets, so a host may report to any coordinator behind a balancer.
 */
import { randomBytes } from 'node:crypto';
import { REPLICA_TOKEN_KEY_BYTES, REPLICA_TOKEN_SECRET, ReplicaTokens } from '../replica-tokens.ts';
import type { Db } from './db.ts';
import { sharedSecret } from './identity-bans.ts';

export async function replicaTokensOf(db: Db): Promise<ReplicaTokens> {
  const key = await sharedSecret(db, REPLICA_TOKEN_SECRET, randomBytes(REPLICA_TOKEN_KEY_BYTES).toString('base64url'));
  return new ReplicaTokens(Buffer.from(key, 'base64url'));
}
