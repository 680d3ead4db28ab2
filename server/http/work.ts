/**
 * @module server/http/work
 * The scheduler's two endpoints: a host asks for work and gets replicas; a host reports results and learns which
 * are stored (and may be forgotten) and which were refused, and why.
 */
import { Hono } from 'hono';
import { ReportReply, ResultReport, tokenOf, WorkRequest, type WorkReply } from '../../protocol/work.ts';
import type { Store } from '../store/store.ts';
import { requireHost, type HostEnv } from './auth.ts';
import { knownNetwork } from './network.ts';
import { parseBody } from './parse.ts';
import { HostBannedError, UnknownProjectError } from './errors.ts';
import type { RateLimiter } from './rate-limit.ts';
import type { Host, IssuedReplica, RecordOutcome } from '../store/types.ts';
import type { Context } from 'hono';

/**
 * A banned host gets no work and its results are refused; so does every host of a banned volunteer, and any host
 * asking from a banned network (server/store/sql/identity-bans.ts). The request changes nothing.
 */
async function refuseBanned(store: Store, c: Context<HostEnv>) {
  const host = c.get('host');
  const reason = await store.refusalOf(host.id, knownNetwork(c.get('network')), Date.now());
  if (reason !== undefined) throw new HostBannedError(host.id, reason);
}

/** What the work routes tell the coordinator's metrics and log once the store committed it. */
export interface WorkRouteEvents {
  issued(host: Host, replicas: readonly IssuedReplica[]): void;
  recorded(host: Host, outcomes: readonly RecordOutcome[]): void;
}

export function workRoutes(store: Store, onResults: () => void, limiter?: RateLimiter, events?: WorkRouteEvents) {
  return new Hono<HostEnv>()
    .post('/work', requireHost(store, limiter), async (c) => {
      const { project, ...ask } = await parseBody(c, WorkRequest, 'work request');
      await refuseBanned(store, c);
      const projectId = project === undefined ? undefined : await store.findProject(project);
      if (project !== undefined && projectId === undefined) throw new UnknownProjectError(project);
      const issued = await store.issueReplicas(
        c.get('host'),
        { ...ask, projectId, network: knownNetwork(c.get('network')) },
        Date.now(),
      );
      if (issued.length > 0) events?.issued(c.get('host'), issued);
      // Short names are cached by the store (names never change): a map lookup per replica once warm.
      const names = new Map<number, string | undefined>();
      for (const id of new Set(issued.map((r) => r.projectId))) names.set(id, await store.projectShortName(id));
      // The token is the only id the host gets: nothing here tells a single from a replicated unit (issue 17).
      const replicas = issued.map((r) => ({
        replicaId: r.token,
        deadline: r.deadline,
        flopsEstimate: r.flopsEstimate,
        ...(names.get(r.projectId) !== undefined && { project: names.get(r.projectId) }),
        ...r.job,
      }));
      // Each job was parsed by the protocol's schema when read from the store: typed, not parsed twice.
      return c.json({ replicas } satisfies WorkReply);
    })
    .post('/results', requireHost(store, limiter), async (c) => {
      const { results } = await parseBody(c, ResultReport, 'result report');
      await refuseBanned(store, c);
      const toRecord = results.map(({ replicaId, ...r }) => ({ ...r, token: tokenOf(replicaId) }));
      const outcomes = await store.recordResults(c.get('host'), toRecord, Date.now());
      if (outcomes.some((o) => o.ok)) onResults();
      events?.recorded(c.get('host'), outcomes);
      // Answered under the name the host reported (an old page's number stays a number), entry by entry.
      const named = outcomes.map((o, i) => ({ ...o, replicaId: results[i]!.replicaId }));
      return c.json(
        ReportReply.parse({
          accepted: named.filter((o) => o.ok).map((o) => o.replicaId),
          rejected: named.flatMap((o) => (o.ok ? [] : [{ replicaId: o.replicaId, error: o.error }])),
        }),
      );
    });
}
