/**
 * @module web/lib/host-identity
 * This browser profile's identity as a host, kept in IndexedDB so that a reload is the same host with the same
 * credit. On first use the page makes an ECDSA P-256 key pair whose private half WebCrypto will not export (not even
 * to this page's own code), registers the public half, and from then on signs every request with it
 * (protocol/auth.ts). A host registered before keys existed keeps its bearer token.
 */
import { z } from 'zod';
import { exportPublicKey, generateHostKey } from '../../protocol/auth.ts';
import { HostIdentity, type RegisterHost } from '../../protocol/host.ts';
import type { CoordinatorClient } from './coordinator-client.ts';
import { solveInWorker } from './registration-proof.ts';
import { database } from './storage/db.ts';

/** What a caller says about a new host; the key and the proof of work are this module's. */
export type HostRegistration = Omit<RegisterHost, 'publicKey' | 'proof'>;

/** What IndexedDB keeps: the identity the coordinator gave, and the private key (a CryptoKey, cloned as is). */
const StoredHost = z.object({
  identity: HostIdentity,
  privateKey: z.instanceof(CryptoKey).optional(),
});
export type StoredHost = z.infer<typeof StoredHost>;

/**
 * Registers a new host with a fresh key and stores it; `extra` says more about it (e.g. the partner site). The
 * coordinator's proof of work is solved in a worker, a second or so of one core.
 */
export async function registerHost(client: CoordinatorClient, extra: HostRegistration = {}): Promise<StoredHost> {
  const [keys, proof] = await Promise.all([
    generateHostKey(),
    client.registrationChallenge().then((challenge) => solveInWorker(challenge)),
  ]);
  const platform = `${navigator.userAgent} (${navigator.hardwareConcurrency} cores)`.slice(0, 256);
  const identity = await client.register({
    platform,
    ...extra,
    proof,
    publicKey: await exportPublicKey(keys.publicKey),
  });
  const stored = { identity, privateKey: keys.privateKey };
  await (await database()).put('identity', stored, 'host');
  return stored;
}

/** The stored host, if any (an identity stored before keys, a bare HostIdentity, still counts). */
export async function storedHost(): Promise<StoredHost | undefined> {
  const value: unknown = await (await database()).get('identity', 'host');
  const stored = StoredHost.safeParse(value);
  if (stored.success) return stored.data;
  const legacy = HostIdentity.safeParse(value);
  return legacy.success ? { identity: legacy.data } : undefined;
}

/**
 * The stored host, or a newly registered one (with `extra`, e.g. the widget's partner); the client is set to sign
 * (or present the token) as that host.
 */
export async function loadOrRegisterHost(client: CoordinatorClient, extra: HostRegistration = {}): Promise<StoredHost> {
  const host = (await storedHost()) ?? (await registerHost(client, extra));
  client.authenticateAs(host);
  return host;
}

/** Forgets this host and the work it held, e.g. after the coordinator no longer knows it. */
export async function forgetHost(): Promise<void> {
  const tx = (await database()).transaction(['identity', 'buffer', 'outbox', 'checkpoints'], 'readwrite');
  await Promise.all([
    tx.objectStore('identity').delete('host'),
    tx.objectStore('buffer').clear(),
    tx.objectStore('outbox').clear(),
    tx.objectStore('checkpoints').clear(),
    tx.done,
  ]);
}
