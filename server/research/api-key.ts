/**
 * @module server/research/api-key
 * Researchers' API keys: `tf_` and 32 random bytes, shown once; the coordinator keeps only their SHA-256, so a
 * leaked database reveals no usable key.
 */
import { createHash, randomBytes } from 'node:crypto';

export const API_KEY_PREFIX = 'tf_';
export const API_KEY_PATTERN = /^tf_[A-Za-z0-9_-]{43}$/;

export const newApiKey = () => API_KEY_PREFIX + randomBytes(32).toString('base64url');
export const hashApiKey = (key: string) => createHash('sha256').update(key).digest('hex');

/** How much of a key is kept in the clear to tell keys apart: `tf_` and 8 characters (48 of its 256 random bits). */
export const apiKeyPrefix = (key: string) => key.slice(0, API_KEY_PREFIX.length + 8);

/** A new key, and what the store keeps of it (its SHA-256 and first characters). */
export function freshApiKey(): { apiKey: string; stored: { keyHash: string; keyPrefix: string } } {
  const apiKey = newApiKey();
  return { apiKey, stored: { keyHash: hashApiKey(apiKey), keyPrefix: apiKeyPrefix(apiKey) } };
}
