/**
 * @module server/metrics
 * The coordinator's metrics, in one registry per coordinator (tests run several in one process), served as
 * Prometheus text at `GET /metrics`: requests by route, each pass's round time and backlog, the work's outcomes
 * (replicas issued, units validated and failed, results valid and invalid, credit granted), epochs posted and RPC
 * errors, and Node's own process figures. Nothing here imports the HTTP API, the passes or the chain: each of them
 * reports through the narrow callbacks the coordinator wires to these methods, so the passes never import HTTP.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Decision, WorkEvents } from './passes/events.ts';
import type { Backlog, UnitQueue } from './store/store.ts';

/** Backlogs are counted at most this often, however often /metrics is scraped: a scrape costs no more than this. */
const BACKLOG_EVERY_MS = 5_000;
/** Counted no further: a backlog this long is an alert either way, and its count a bounded walk of one index. */
export const BACKLOG_CAP = 100_000;

/** Methods outside this set share one label value, so no request can mint new series. */
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

export type BacklogReader = () => Promise<Backlog>;

export class Metrics implements WorkEvents {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly requestSeconds: Histogram<'method' | 'route'>;
  private readonly passSeconds: Histogram<'pass'>;
  private readonly passErrors: Counter<'pass'>;
  private readonly issued: Counter;
  private readonly unitsDone: Counter<'outcome'>;
  private readonly results: Counter<'verdict'>;
  private readonly credit: Counter;
  private readonly epochs: Counter;
  private readonly rpcErrors: Counter<'method' | 'error'>;
  private backlogAt = -Infinity;
  private backlog: Backlog | undefined;
  private readonly backlogEveryMs: number;

  /** `backlogEveryMs`: how stale a scraped backlog may be (tests ask for fresh counts). */
  constructor({
    backlog,
    backlogEveryMs = BACKLOG_EVERY_MS,
  }: { backlog?: BacklogReader; backlogEveryMs?: number } = {}) {
    this.backlogEveryMs = backlogEveryMs;
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'terraflop_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.requestSeconds = new Histogram({
      name: 'terraflop_http_request_duration_seconds',
      help: 'Time to answer an HTTP request (to its headers; a live stream counts until it opens), by route pattern',
      labelNames: ['method', 'route'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    });
    this.passSeconds = new Histogram({
      name: 'terraflop_pass_round_seconds',
      help: "One pass's run in one round of the pass runner",
      labelNames: ['pass'],
      buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10],
      registers,
    });
    this.passErrors = new Counter({
      name: 'terraflop_pass_errors_total',
      help: 'Pass runs that threw (retried next round)',
      labelNames: ['pass'],
      registers,
    });
    this.issued = new Counter({
      name: 'terraflop_replicas_issued_total',
      help: 'Replicas of work units sent to hosts',
      registers,
    });
    this.unitsDone = new Counter({
      name: 'terraflop_units_total',
      help: 'Work units decided: validated (a canonical result found) or failed (over their error or total limits)',
      labelNames: ['outcome'],
      registers,
    });
    this.results = new Counter({
      name: 'terraflop_results_judged_total',
      help: 'Results the validator judged, by verdict (valid, invalid)',
      labelNames: ['verdict'],
      registers,
    });
    this.credit = new Counter({
      name: 'terraflop_credit_granted_total',
      help: 'Credit (cobblestones) granted to valid results',
      registers,
    });
    this.epochs = new Counter({
      name: 'terraflop_epochs_posted_total',
      help: 'Credit epochs this process saw posted on the chain (or found there after a lost reply)',
      registers,
    });
    this.rpcErrors = new Counter({
      name: 'terraflop_rpc_errors_total',
      help: 'Failed requests to the EVM RPC, by JSON-RPC method and error name',
      labelNames: ['method', 'error'],
      registers,
    });
    const self = this;
    new Gauge({
      name: 'terraflop_pass_backlog',
      help: `Items waiting for a pass, by queue (counted at most every few seconds, up to ${BACKLOG_CAP})`,
      labelNames: ['queue'],
      registers,
      async collect() {
        const counts = await self.readBacklog(backlog);
        for (const [queue, n] of Object.entries(counts ?? {})) this.set({ queue }, n);
      },
    });
  }

  /** Counts and times every request, labelled by the route pattern that answered it (bounded), never its path. */
  http(): MiddlewareHandler {
    return async (c, next) => {
      const started = performance.now();
      await next();
      const method = METHODS.has(c.req.method) ? c.req.method : 'other';
      // After next(), the route index is the handler that answered (a middleware's is '*', the catch-all's too).
      const route = routePath(c) || 'unmatched';
      this.requests.inc({ method, route, status: String(c.res.status) });
      this.requestSeconds.observe({ method, route }, (performance.now() - started) / 1000);
    };
  }

  passRound(pass: string, ms: number, failed: boolean): void {
    this.passSeconds.observe({ pass }, ms / 1000);
    if (failed) this.passErrors.inc({ pass });
  }

  replicasIssued(n: number): void {
    if (n > 0) this.issued.inc(n);
  }

  /** What the transitioner and validator decided, after it was committed. */
  decided(_queue: UnitQueue, decisions: readonly Decision[]): void {
    let validated = 0;
    let failed = 0;
    let valid = 0;
    let invalid = 0;
    let credit = 0;
    for (const { before, changes } of decisions) {
      if (changes.unit?.canonicalReplicaId != null && before.unit.canonicalReplicaId === null) validated++;
      if (changes.unit?.state === 'failed' && before.unit.state !== 'failed') failed++;
      const was = new Map(before.replicas.map((r) => [r.id, r]));
      for (const p of changes.replicas ?? []) {
        const r = was.get(p.id);
        if (!r || p.validateState === undefined || p.validateState === r.validateState) continue;
        if (p.validateState === 'valid') {
          valid++;
          credit += p.grantedCredit ?? r.grantedCredit;
        } else if (p.validateState === 'invalid') invalid++;
      }
    }
    if (validated) this.unitsDone.inc({ outcome: 'validated' }, validated);
    if (failed) this.unitsDone.inc({ outcome: 'failed' }, failed);
    if (valid) this.results.inc({ verdict: 'valid' }, valid);
    if (invalid) this.results.inc({ verdict: 'invalid' }, invalid);
    if (credit > 0) this.credit.inc(credit);
  }

  epochPosted(): void {
    this.epochs.inc();
  }

  rpcError(method: string, error: unknown): void {
    const name = error instanceof Error ? error.name : 'unknown';
    // Method names come from our own code (viem's calls), error names from viem's error classes: both bounded.
    this.rpcErrors.inc({ method: method.slice(0, 64), error: name.slice(0, 64) });
  }

  /** The text a Prometheus server scrapes. */
  async text(): Promise<{ body: string; contentType: string }> {
    return { body: await this.registry.metrics(), contentType: this.registry.contentType };
  }

  private async readBacklog(read: BacklogReader | undefined): Promise<Backlog | undefined> {
    if (!read || performance.now() - this.backlogAt < this.backlogEveryMs) return this.backlog;
    this.backlogAt = performance.now();
    // A database that does not answer keeps the last counts: the scrape still shows everything else.
    this.backlog = await read().catch(() => this.backlog);
    return this.backlog;
  }
}
