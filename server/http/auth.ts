/**
 * @module server/http/auth
 * Host authentication. A host signs every request with its ECDSA P-256 key (protocol/auth.ts); the coordinator
 * verifies the signature against the registered public key, keeps the timestamp inside its window and each nonce
 * single-use, so neither a forged nor a replayed request gets through. Hosts registered without a key (scripts,
 * older pages) present a bearer token whose SHA-256 alone is stored.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import {
  ALGORITHM,
  fromBase64url,
  HEADER,
  SIGNATURE,
  SignatureHeaders,
  signedBytesOfHash,
  TIMESTAMP_WINDOW_MS,
} from '../../protocol/auth.ts';
import type { Store } from '../store/store.ts';
import type { Host } from '../store/types.ts';
import { UnauthorizedError } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';

/** A host's route: the authenticated host, and the network of the request (server/http/network.ts). */
export type HostEnv = { Variables: { host: Host; network: string } };

export const newToken = () => randomBytes(32).toString('base64url');
export const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** Imported public keys by store and host; importing costs more than verifying. */
const keyCaches = new WeakMap<Store, Map<number, CryptoKey>>();
const KEY_CACHE = 50_000;

async function publicKeyOf(store: Store, hostId: number): Promise<CryptoKey> {
  let keys = keyCaches.get(store);
  if (!keys) {
    keys = new Map();
    keyCaches.set(store, keys);
  }
  const cached = keys.get(hostId);
  if (cached) return cached;
  const host = await store.findHost(hostId);
  if (!host?.publicKey)
    throw new UnauthorizedError(`host ${hostId} has no registered key; register again with POST /api/hosts`);
  const key = await crypto.subtle.importKey('jwk', JSON.parse(host.publicKey) as JsonWebKey, ALGORITHM, false, [
    'verify',
  ]);
  if (keys.size >= KEY_CACHE) keys.delete(keys.keys().next().value!);
  keys.set(hostId, key);
  return key;
}

async function verifySigned(c: Context, store: Store): Promise<Host> {
  const parsed = SignatureHeaders.safeParse(Object.fromEntries(Object.values(HEADER).map((h) => [h, c.req.header(h)])));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UnauthorizedError(`bad signature header ${String(issue.path[0])}: ${issue.message}`);
  }
  const h = parsed.data;
  const hostId = Number(h[HEADER.host]);
  const timestamp = Number(h[HEADER.timestamp]);
  const now = Date.now();
  if (Math.abs(now - timestamp) > TIMESTAMP_WINDOW_MS) {
    throw new UnauthorizedError(
      `request timestamp is more than ${TIMESTAMP_WINDOW_MS / 60_000} minutes from the coordinator's clock`,
    );
  }
  const key = await publicKeyOf(store, hostId);
  const body = await c.req.text();
  const bodyHash = createHash('sha256').update(body).digest('base64url');
  const bytes = signedBytesOfHash(c.req.method, c.req.path, h[HEADER.timestamp], h[HEADER.nonce], bodyHash);
  if (!(await crypto.subtle.verify(SIGNATURE, key, fromBase64url(h[HEADER.signature]), bytes))) {
    throw new UnauthorizedError(`signature does not verify for host ${hostId}`);
  }
  // Checked last, so an unsigned flood cannot fill the nonce table.
  const host = await store.useNonce(hostId, h[HEADER.nonce], timestamp + TIMESTAMP_WINDOW_MS);
  if (!host) throw new UnauthorizedError('nonce already used: this request is a replay');
  return host;
}

async function verifyBearer(c: Context, store: Store): Promise<Host> {
  const token = c.req.header('authorization')?.match(/^Bearer (\S+)$/)?.[1];
  if (!token)
    throw new UnauthorizedError(
      'missing signature headers (x-terraflop-host, …) or "Authorization: Bearer <host token>"',
    );
  const host = await store.findHostByTokenHash(hashToken(token));
  if (!host) throw new UnauthorizedError('unknown host token; register again with POST /api/hosts');
  return host;
}

export function requireHost(store: Store, limiter?: RateLimiter): MiddlewareHandler<HostEnv> {
  return async (c, next) => {
    const host = c.req.header(HEADER.signature) ? await verifySigned(c, store) : await verifyBearer(c, store);
    limiter?.take(`host:${host.id}`);
    c.set('host', host);
    await next();
  };
}
