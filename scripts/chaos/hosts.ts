/**
 * @module scripts/chaos/hosts
 * The campaign's volunteers: simulated hosts that sign their requests (so a skewed clock matters), each with an
 * Ethereum address linked (so their credit goes on chain), going to either coordinator at random as a load balancer
 * would send them. A host keeps each result until a coordinator answers for it, accepted or rejected, and reports it
 * again after a failure, as the page does; every replica a coordinator answered `accepted` is acknowledged.
 */
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { signRequest } from '../../protocol/auth.ts';
import { linkMessage } from '../../protocol/volunteer.ts';
import type { ReplicaRef, SuccessEntry } from '../../protocol/work.ts';
import { SimHost } from '../../server/testing/sim-host.ts';

export interface ChaosCrowd {
  /** Replica ids a coordinator answered `accepted` for. */
  acknowledged: Set<ReplicaRef>;
  /** Requests that failed (no answer, a 5xx, a 401 for a clock too far off), by a short reason. */
  failures: Map<string, number>;
  /** Clock offsets in ms by host index; set by the campaign's clock faults. */
  skews: number[];
  hosts: SimHost[];
  stop(): Promise<void>;
  /** Reports every result still held until a coordinator answers for it. */
  flush(deadlineMs: number): Promise<number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function registerLinked(url: string): Promise<SimHost> {
  const host = await SimHost.register(url, { auth: 'key' });
  const account = privateKeyToAccount(generatePrivateKey());
  const signature = await account.signMessage({ message: linkMessage(host.identity.volunteerId, account.address) });
  const res = await host.call('POST', 'api/volunteer/address', { address: account.address, signature });
  if (!res.ok) throw new Error(`linking an address: ${res.status} ${await res.text()}`);
  return host;
}

export async function startCrowd(urls: string[], count: number, random: () => number): Promise<ChaosCrowd> {
  const hosts: SimHost[] = [];
  for (let i = 0; i < count; i++) hosts.push(await registerLinked(urls[i % urls.length]!));
  const skews = hosts.map(() => 0);
  hosts.forEach((host, i) => {
    host.authHeaders = (method, url, body) =>
      signRequest(host.key!.privateKey, host.identity.hostId, method, url.pathname, body, Date.now() + skews[i]!);
  });
  const acknowledged = new Set<ReplicaRef>();
  const failures = new Map<string, number>();
  const held = hosts.map(() => new Map<ReplicaRef, SuccessEntry>());
  const fail = (error: unknown) => {
    const reason = String(error).replace(/\d+/g, '#').slice(0, 80);
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
  };

  /** Reports what host i holds; forgets each result a coordinator answered for. */
  async function report(i: number): Promise<void> {
    const results = [...held[i]!.values()];
    if (results.length === 0) return;
    const reply = await hosts[i]!.report(results);
    for (const id of reply.accepted) {
      acknowledged.add(id);
      held[i]!.delete(id);
    }
    for (const { replicaId } of reply.rejected) held[i]!.delete(replicaId);
  }

  let stopped = false;
  async function live(i: number): Promise<void> {
    const host = hosts[i]!;
    while (!stopped) {
      host.baseUrl = urls[Math.floor(random() * urls.length)]!;
      try {
        await report(i);
        const work = await host.requestWork(4);
        for (const a of work) held[i]!.set(a.replicaId, host.compute(a));
        await report(i);
      } catch (error) {
        fail(error);
        await sleep(100 + random() * 200);
      }
    }
  }
  const loops = hosts.map((_, i) => live(i));

  return {
    acknowledged,
    failures,
    skews,
    hosts,
    async stop() {
      stopped = true;
      await Promise.all(loops);
    },
    async flush(deadlineMs) {
      const end = Date.now() + deadlineMs;
      while (Date.now() < end && held.some((h) => h.size > 0)) {
        for (let i = 0; i < hosts.length; i++) {
          hosts[i]!.baseUrl = urls[Math.floor(random() * urls.length)]!;
          await report(i).catch(fail);
        }
      }
      return held.reduce((n, h) => n + h.size, 0);
    },
  };
}
