/**
 * @module web/lib/host-identity
 * This browser profile's identity as a host, kept in IndexedDB so that a reload is the same host with the same
 * credit. Registered with the coordinator on first use.
 */
import { openDB, type DBSchema } from 'idb';
import { HostIdentity } from '../../protocol/host.ts';
import type { CoordinatorClient } from './coordinator-client.ts';

interface TerraflopDB extends DBSchema {
  identity: { key: string; value: unknown };
}

const db = () =>
  openDB<TerraflopDB>('terraflop', 1, {
    upgrade(database) {
      database.createObjectStore('identity');
    },
  });

export async function loadOrRegisterHost(client: CoordinatorClient): Promise<HostIdentity> {
  const database = await db();
  const stored = HostIdentity.safeParse(await database.get('identity', 'host'));
  if (stored.success) return stored.data;
  const identity = await client.register({ platform: `${navigator.userAgent} (${navigator.hardwareConcurrency} cores)`.slice(0, 256) });
  await database.put('identity', identity, 'host');
  return identity;
}

/** Forgets this host, e.g. after the coordinator no longer knows its token. */
export async function forgetHost(): Promise<void> {
  await (await db()).delete('identity', 'host');
}
