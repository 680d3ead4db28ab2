/**
 * @module server/http/network
 * The network a request comes from: the unit of trust, rate limits and exclusion (one person with many identities
 * usually holds one network, and a block of addresses costs far more than an identity). It is the IPv4 /24 or
 * IPv6 /64 of the socket's peer, or, when that peer is a proxy the operator trusts (TERRAFLOP_TRUSTED_PROXIES), of
 * the last address that proxy put in X-Forwarded-For. Nothing else a client sends counts: a forwarded header from
 * anyone but a trusted proxy is ignored, and so is every address in it but the last (which the proxy wrote itself).
 */
import { BlockList, isIPv4, isIPv6 } from 'node:net';
import type { Context } from 'hono';

/** Where no socket is known (app.request in tests without an env): all such requests share one network. */
export const UNKNOWN_NETWORK = 'unknown';

export type NetEnv = { Variables: { network: string } };

export class TrustedProxies {
  private readonly list = new BlockList();
  readonly size: number;

  /** `spec`: addresses or CIDRs, separated by commas or spaces; throws naming the first entry it cannot read. */
  constructor(spec: string) {
    const entries = spec.split(/[\s,]+/).filter(Boolean);
    for (const entry of entries) {
      const [address, bits, extra] = entry.split('/');
      const type = isIPv4(address ?? '') ? 'ipv4' : isIPv6(address ?? '') ? 'ipv6' : undefined;
      const max = type === 'ipv4' ? 32 : 128;
      const prefix = bits === undefined ? max : Number(bits);
      if (!type || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || bits === '')
        throw new Error(`trusted proxy "${entry}" is not an IPv4 or IPv6 address or CIDR`);
      this.list.addSubnet(address!, prefix, type);
    }
    this.size = entries.length;
  }

  has(address: string): boolean {
    const plain = unmapped(address);
    if (isIPv4(plain)) return this.list.check(plain, 'ipv4');
    return isIPv6(plain) && this.list.check(plain, 'ipv6');
  }
}

/** The socket peer's address as node:http saw it; undefined without a socket. */
function socketAddress(c: Context): string | undefined {
  const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
  return env?.incoming?.socket?.remoteAddress;
}

/** The address the request comes from: the socket's, or the one a trusted proxy forwarded. */
export function clientAddress(c: Context, proxies: TrustedProxies): string | undefined {
  const peer = socketAddress(c);
  if (peer === undefined || proxies.size === 0 || !proxies.has(peer)) return peer;
  const forwarded = c.req.header('x-forwarded-for')?.split(',');
  const last = forwarded?.[forwarded.length - 1]?.trim();
  return last && (isIPv4(unmapped(last)) || isIPv6(last)) ? last : peer;
}

export function networkOf(c: Context, proxies: TrustedProxies): string {
  const address = clientAddress(c, proxies);
  return address === undefined ? UNKNOWN_NETWORK : networkOfAddress(address);
}

/**
 * The network to record for a host: none without a socket (app.request in tests), so that hosts of such tests are
 * not all taken for one household.
 */
export function knownNetwork(network: string): string | undefined {
  return network === UNKNOWN_NETWORK ? undefined : network;
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d, what a dual-stack socket reports) as its IPv4 address. */
function unmapped(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

/** "a.b.c.0/24" for IPv4, the first four groups and "::/64" for IPv6; the address itself if it is neither. */
export function networkOfAddress(address: string): string {
  const plain = unmapped(address.trim());
  if (isIPv4(plain)) return `${plain.split('.').slice(0, 3).join('.')}.0/24`;
  if (!isIPv6(plain)) return plain;
  const groups = expandIPv6(plain.replace(/%.*$/, ''));
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address (with "::" and a dotted IPv4 tail expanded). */
function expandIPv6(address: string): number[] {
  let text = address.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const parse = (s: string) => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  return [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}
