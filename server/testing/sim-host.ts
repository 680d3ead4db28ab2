/**
 * @module server/testing/sim-host
 * A simulated host that speaks the real HTTP protocol: it registers, asks for work, computes with the reference
 * kernels (or lies, when told to), and reports. Used by the lifecycle tests and the coordinator benchmark.
 */
import { exportPublicKey, generateHostKey, signRequest } from '../../protocol/auth.ts';
import { HostIdentity, HostStatus } from '../../protocol/host.ts';
import { ReportReply, WorkReply, type Assignment, type ResultEntry, type SuccessEntry } from '../../protocol/work.ts';
import { runKernel } from '../../worker-kernels/registry.ts';

export type Behaviour = 'honest' | 'cheat';

export interface RegisterOptions {
  behaviour?: Behaviour;
  volunteerName?: string;
  /** 'key' signs every request with an ECDSA P-256 key, as the page does; 'token' uses a bearer token. */
  auth?: 'key' | 'token';
}

export class SimHost {
  /** Where requests go; a host may move between coordinator processes sharing one database. */
  baseUrl: string;
  readonly identity: HostIdentity;
  readonly behaviour: Behaviour;
  readonly key: CryptoKeyPair | undefined;

  private constructor(baseUrl: string, identity: HostIdentity, behaviour: Behaviour, key: CryptoKeyPair | undefined) {
    this.baseUrl = baseUrl;
    this.identity = identity;
    this.behaviour = behaviour;
    this.key = key;
  }

  static async register(baseUrl: string, behaviourOrOptions: Behaviour | RegisterOptions = {}): Promise<SimHost> {
    const { behaviour = 'honest', volunteerName, auth = 'key' } =
      typeof behaviourOrOptions === 'string' ? { behaviour: behaviourOrOptions } : behaviourOrOptions;
    const key = auth === 'key' ? await generateHostKey() : undefined;
    const body = { ...(volunteerName && { volunteerName }), ...(key && { publicKey: await exportPublicKey(key.publicKey) }) };
    const res = await fetch(new URL('api/hosts', baseUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`register: ${res.status} ${await res.text()}`);
    return new SimHost(baseUrl, HostIdentity.parse(await res.json()), behaviour, key);
  }

  /** The headers that authenticate one request: a fresh signature, or the bearer token. */
  async authHeaders(method: string, url: URL, body: string): Promise<Record<string, string>> {
    if (!this.key) return { authorization: `Bearer ${this.identity.token}` };
    return signRequest(this.key.privateKey, this.identity.hostId, method, url.pathname, body);
  }

  async call(method: string, path: string, body?: unknown): Promise<Response> {
    const url = new URL(path, this.baseUrl);
    const text = body === undefined ? '' : JSON.stringify(body);
    return fetch(url, {
      method,
      headers: { 'content-type': 'application/json', ...(await this.authHeaders(method, url, text)) },
      ...(body !== undefined && { body: text }),
    });
  }

  async requestWork(maxReplicas: number): Promise<Assignment[]> {
    const res = await this.call('POST', 'api/work', { maxReplicas });
    if (!res.ok) throw new Error(`work: ${res.status} ${await res.text()}`);
    return WorkReply.parse(await res.json()).replicas;
  }

  compute(a: Assignment): SuccessEntry {
    const out = runKernel(a, { progress() {}, checkpoint() {} });
    // Only signal-search units are issued to simulated hosts (the demo feeder's app); the narrowing types the lie.
    if (this.behaviour === 'cheat' && out.app === 'signal-search') {
      // A plausible lie: the right shape, the wrong science (every peak one bin off).
      out.output.peaks = out.output.peaks.map((p) => ({ ...p, bin: p.bin + 1 }));
      if (out.output.peaks.length === 0) out.output.peaks = [{ drift: 0, block: 0, bin: 1, snr: 99 }];
    }
    return { status: 'success', replicaId: a.replicaId, variant: 'reference', elapsedMs: 1, result: out };
  }

  async report(results: ResultEntry[]): Promise<ReportReply> {
    const res = await this.call('POST', 'api/results', { results });
    if (!res.ok) throw new Error(`results: ${res.status} ${await res.text()}`);
    return ReportReply.parse(await res.json());
  }

  /** Asks for work, computes it and reports it; returns the assignments it got. */
  async cycle(maxReplicas: number): Promise<Assignment[]> {
    const work = await this.requestWork(maxReplicas);
    if (work.length > 0) await this.report(work.map((a) => this.compute(a)));
    return work;
  }

  async status(): Promise<HostStatus> {
    const res = await this.call('GET', 'api/hosts/me');
    if (!res.ok) throw new Error(`status: ${res.status} ${await res.text()}`);
    return HostStatus.parse(await res.json());
  }
}

/** Polls `check` until it returns a value, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined | false>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
