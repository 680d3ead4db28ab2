/**
 * @module web/lib/coordinator-client
 * The page's side of the protocol: every reply is parsed with the protocol schemas, and every failure becomes a
 * CoordinatorError (protocol/coordinator-error.ts) named as the coordinator named it, or NetworkError.
 */
import { z } from 'zod';
import { signRequest } from '../../protocol/auth.ts';
import { networkError, readErrorReply } from '../../protocol/coordinator-error.ts';
import { HostIdentity, HostStatus, type RegisterHost } from '../../protocol/host.ts';
import { RegistrationChallenge } from '../../protocol/registration-proof.ts';
import { type LinkAddress, Volunteer, type RenameVolunteer } from '../../protocol/volunteer.ts';
import { Assignment, ReportReply, type ResultEntry, type WorkReply, type WorkRequest } from '../../protocol/work.ts';
import { parseEach } from './parse-each.ts';

/** A work reply's outer shape; its replicas are parsed one by one so a large batch never blocks the page. */
const WorkReplyShape = z.strictObject({ replicas: z.array(z.unknown()).max(64) });

export interface CoordinatorClientOptions {
  /** Ask for this project's units only (its short name): a partner's widget computes for the project it names. */
  project?: string | undefined;
}

export class CoordinatorClient {
  private readonly base: string;
  private readonly project: string | undefined;
  private host: { identity: HostIdentity; privateKey?: CryptoKey | undefined } | undefined;

  constructor(base: string, { project }: CoordinatorClientOptions = {}) {
    this.base = base;
    this.project = project;
  }

  /** Later requests are signed with the host's key (or carry its token, for a host registered without one). */
  authenticateAs(host: { identity: HostIdentity; privateKey?: CryptoKey | undefined }) {
    this.host = host;
  }

  private async authHeaders(method: string, url: URL, body: string): Promise<Record<string, string>> {
    const host = this.host;
    if (!host) return {};
    if (host.privateKey) {
      return signRequest(
        host.privateKey,
        host.identity.hostId,
        method,
        url.pathname,
        body,
        Date.now() + this.clockSkewMs,
      );
    }
    return host.identity.token ? { authorization: `Bearer ${host.identity.token}` } : {};
  }

  /**
   * The coordinator's clock minus this device's, from each answer's Date header. A signed request's timestamp must be
   * within minutes of the coordinator's clock; a phone whose clock is off would otherwise be refused every time.
   */
  private clockSkewMs = 0;

  private async send(method: string, url: URL, text: string, hasBody: boolean): Promise<Response> {
    try {
      const res = await fetch(url, {
        method,
        headers: { 'content-type': 'application/json', ...(await this.authHeaders(method, url, text)) },
        ...(hasBody && { body: text }),
      });
      const date = Date.parse(res.headers.get('date') ?? '');
      if (Number.isFinite(date)) this.clockSkewMs = date - Date.now();
      return res;
    } catch (cause) {
      throw networkError(cause);
    }
  }

  private async call<S extends z.ZodType>(method: string, path: string, reply: S, body?: unknown): Promise<z.infer<S>> {
    const url = new URL(path, this.base);
    const text = body === undefined ? '' : JSON.stringify(body);
    const skewBefore = this.clockSkewMs;
    let res = await this.send(method, url, text, body !== undefined);
    // Refused for a timestamp while this device's clock was not yet known: sign again with the coordinator's time.
    if (res.status === 401 && Math.abs(this.clockSkewMs - skewBefore) > 60_000)
      res = await this.send(method, url, text, body !== undefined);
    if (!res.ok) throw await readErrorReply(res);
    return reply.parse(await res.json());
  }

  /** A registration challenge to solve (web/lib/registration-proof.ts) before `register`. */
  registrationChallenge() {
    return this.call('GET', 'api/hosts/challenge', RegistrationChallenge);
  }

  register(body: RegisterHost) {
    return this.call('POST', 'api/hosts', HostIdentity, body);
  }

  async requestWork(maxReplicas: number): Promise<WorkReply> {
    const ask: WorkRequest = { maxReplicas, ...(this.project !== undefined && { project: this.project }) };
    const { replicas } = await this.call('POST', 'api/work', WorkReplyShape, ask);
    return { replicas: await parseEach(Assignment, replicas) };
  }

  report(results: ResultEntry[]) {
    return this.call('POST', 'api/results', ReportReply, { results });
  }

  status() {
    return this.call('GET', 'api/hosts/me', HostStatus);
  }

  /** The host's volunteer: their id, name and linked address. */
  volunteer() {
    return this.call('GET', 'api/volunteer', Volunteer);
  }

  /** Links an address to the host's volunteer, proven by its signature of linkMessage. */
  linkAddress(link: LinkAddress) {
    return this.call('POST', 'api/volunteer/address', Volunteer, link);
  }

  /** Sets the host's volunteer's public name. */
  rename(name: string) {
    return this.call('PUT', 'api/volunteer/name', Volunteer, { name } satisfies RenameVolunteer);
  }
}
