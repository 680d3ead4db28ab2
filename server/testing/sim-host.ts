/**
 * @module server/testing/sim-host
 * A simulated host that speaks the real HTTP protocol: it registers, asks for work, computes with the reference
 * kernels (or lies, when told to), and reports. Used by the lifecycle tests and the coordinator benchmark.
 */
import { Agent, request, type IncomingHttpHeaders } from 'node:http';
import { exportPublicKey, generateHostKey, signRequest } from '../../protocol/auth.ts';
import { HostIdentity, HostStatus } from '../../protocol/host.ts';
import { RegistrationChallenge } from '../../protocol/registration-proof.ts';
import { solveChallenge } from '../../protocol/registration-work.ts';
import { ReportReply, WorkReply, type Assignment, type ResultEntry, type SuccessEntry } from '../../protocol/work.ts';
import { runReference } from '../../worker-kernels/registry.ts';

export type Behaviour = 'honest' | 'cheat';

export interface RegisterOptions {
  behaviour?: Behaviour;
  volunteerName?: string;
  /** 'key' signs every request with an ECDSA P-256 key, as the page does; 'token' uses a bearer token. */
  auth?: 'key' | 'token';
  /**
   * The address it says it computes from, forwarded as a proxy would (X-Forwarded-For): counted only by a coordinator
   * that trusts loopback proxies (TERRAFLOP_TRUSTED_PROXIES, as the test coordinator does). Default: an address of
   * its own on a network of its own, so simulated hosts share units as hosts of different homes do.
   */
  address?: string;
}

let addresses = 0;
/** 10.0.0.0/8 holds 65,536 distinct /24 networks: one for each simulated host of a run. */
export function freshAddress(): string {
  const n = addresses++ % 65_536;
  return `10.${n >> 8}.${n & 255}.7`;
}

/** Idle sockets are dropped before Node's server would close them (5 s), so none is reused as it closes. */
const IDLE_SOCKET_MS = 4_000;

/**
 * Simulated hosts talk over plain node:http with kept-alive sockets, not fetch: in the coordinator benchmark they
 * share the coordinator's two cores, and with fetch's Request, Headers and stream objects the benchmark's process
 * spent half again as much CPU a request (2.4 against 1.6 ms), taken from the coordinator being measured.
 */
const agent = new Agent({ keepAlive: true, timeout: IDLE_SOCKET_MS });

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

function send(url: URL, method: string, headers: Record<string, string>, body?: string): Promise<Reply> {
  if (url.protocol !== 'http:') throw new Error(`simulated hosts speak http only, not ${url.protocol}`);
  const length = body === undefined ? {} : { 'content-length': String(Buffer.byteLength(body)) };
  return new Promise((resolve, reject) => {
    const req = request(url, { method, agent, headers: { ...headers, ...length } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A reply as fetch would have given it, for tests that look at any call's status, headers and body. */
function toResponse({ status, headers, text }: Reply): Response {
  const flat = Object.entries(headers).flatMap(([name, v]) =>
    v === undefined ? [] : [[name, Array.isArray(v) ? v.join(', ') : v] as [string, string]],
  );
  return new Response(status === 204 || status === 304 ? null : text, { status, headers: flat });
}

/** The reply's JSON parsed by `schema`; a status other than `expected` (by default, any 2xx) is an error. */
function parseReply<T>(what: string, reply: Reply, schema: { parse(json: unknown): T }, expected?: number): T {
  const ok = expected === undefined ? reply.status >= 200 && reply.status < 300 : reply.status === expected;
  if (!ok) throw new Error(`${what}: ${reply.status} ${reply.text}`);
  return schema.parse(JSON.parse(reply.text));
}

/** A registration challenge from the coordinator at `baseUrl`, asked with `headers` (e.g. a forwarded address). */
export async function registrationChallenge(
  baseUrl: string,
  headers: Record<string, string> = {},
): Promise<RegistrationChallenge> {
  return parseReply(
    'challenge',
    await send(new URL('api/hosts/challenge', baseUrl), 'GET', headers),
    RegistrationChallenge,
  );
}

/** A solved registration proof for the coordinator at `baseUrl`, as a client pays for a registration. */
export async function registrationProof(baseUrl: string, headers: Record<string, string> = {}) {
  return solveChallenge(await registrationChallenge(baseUrl, headers));
}

export class SimHost {
  /** Where requests go; a host may move between coordinator processes sharing one database. */
  baseUrl: string;
  readonly identity: HostIdentity;
  readonly behaviour: Behaviour;
  readonly key: CryptoKeyPair | undefined;
  /** Where it says it computes from; a test may move it. */
  address: string;

  private constructor(
    baseUrl: string,
    identity: HostIdentity,
    behaviour: Behaviour,
    key: CryptoKeyPair | undefined,
    address: string,
  ) {
    this.baseUrl = baseUrl;
    this.identity = identity;
    this.behaviour = behaviour;
    this.key = key;
    this.address = address;
  }

  static async register(baseUrl: string, behaviourOrOptions: Behaviour | RegisterOptions = {}): Promise<SimHost> {
    const {
      behaviour = 'honest',
      volunteerName,
      auth = 'key',
      address = freshAddress(),
    } = typeof behaviourOrOptions === 'string' ? { behaviour: behaviourOrOptions } : behaviourOrOptions;
    const key = auth === 'key' ? await generateHostKey() : undefined;
    const forwarded = { 'x-forwarded-for': address };
    const body = {
      proof: await registrationProof(baseUrl, forwarded),
      ...(volunteerName && { volunteerName }),
      ...(key && { publicKey: await exportPublicKey(key.publicKey) }),
    };
    const reply = await send(
      new URL('api/hosts', baseUrl),
      'POST',
      { 'content-type': 'application/json', ...forwarded },
      JSON.stringify(body),
    );
    return new SimHost(baseUrl, parseReply('register', reply, HostIdentity, 201), behaviour, key, address);
  }

  /** The headers that authenticate one request: a fresh signature, or the bearer token. */
  async authHeaders(method: string, url: URL, body: string): Promise<Record<string, string>> {
    if (!this.key) return { authorization: `Bearer ${this.identity.token}` };
    return signRequest(this.key.privateKey, this.identity.hostId, method, url.pathname, body);
  }

  /** Any authenticated call, answered as fetch would answer it. */
  async call(method: string, path: string, body?: unknown): Promise<Response> {
    return toResponse(await this.send(method, path, body));
  }

  private async send(method: string, path: string, body?: unknown): Promise<Reply> {
    const url = new URL(path, this.baseUrl);
    const text = body === undefined ? '' : JSON.stringify(body);
    const headers = {
      'content-type': 'application/json',
      'x-forwarded-for': this.address,
      ...(await this.authHeaders(method, url, text)),
    };
    return send(url, method, headers, body === undefined ? undefined : text);
  }

  async requestWork(maxReplicas: number): Promise<Assignment[]> {
    return parseReply('work', await this.send('POST', 'api/work', { maxReplicas }), WorkReply).replicas;
  }

  compute(a: Assignment): SuccessEntry {
    const out = runReference(a, { progress() {}, checkpoint() {} });
    // Only signal-search units are issued to simulated hosts (the demo feeder's app); the narrowing types the lie.
    if (this.behaviour === 'cheat' && out.app === 'signal-search') {
      // A plausible lie: the right shape, the wrong science (every peak one bin off).
      out.output.peaks = out.output.peaks.map((p) => ({ ...p, bin: p.bin + 1 }));
      if (out.output.peaks.length === 0) out.output.peaks = [{ drift: 0, block: 0, bin: 1, snr: 99 }];
    }
    return { status: 'success', replicaId: a.replicaId, variant: 'reference', elapsedMs: 1, result: out };
  }

  async report(results: ResultEntry[]): Promise<ReportReply> {
    return parseReply('results', await this.send('POST', 'api/results', { results }), ReportReply);
  }

  /** Asks for work, computes it and reports it; returns the assignments it got. */
  async cycle(maxReplicas: number): Promise<Assignment[]> {
    const work = await this.requestWork(maxReplicas);
    if (work.length > 0) await this.report(work.map((a) => this.compute(a)));
    return work;
  }

  async status(): Promise<HostStatus> {
    return parseReply('status', await this.send('GET', 'api/hosts/me'), HostStatus);
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
