import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { loadConfig } from '../config.ts';
import { SimHost } from '../testing/sim-host.ts';
import { startTestCoordinator } from '../testing/test-coordinator.ts';
import { networkOf, networkOfAddress, TrustedProxies, UNKNOWN_NETWORK } from './network.ts';

/** What the coordinator would record for a request from `peer` with these headers, given these trusted proxies. */
async function networkFor(proxies: string, peer: string | undefined, headers: Record<string, string> = {}) {
  const trusted = new TrustedProxies(proxies);
  const app = new Hono().get('/', (c) => c.text(networkOf(c, trusted)));
  const env = peer === undefined ? undefined : { incoming: { socket: { remoteAddress: peer } } };
  return (await app.request('/', { headers }, env)).text();
}

describe('networkOfAddress', () => {
  test('default: IPv4 /24 and IPv6 /64, written one way whatever the address looks like', () => {
    expect(networkOfAddress('203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOfAddress('::ffff:203.0.113.77')).toBe('203.0.113.0/24');
    expect(networkOfAddress('2001:db8:0:1:aaaa::1')).toBe('2001:db8:0:1::/64');
    expect(networkOfAddress('2001:0DB8:0000:0001:ffff:ffff:ffff:ffff')).toBe('2001:db8:0:1::/64');
    expect(networkOfAddress('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(networkOfAddress('::1')).toBe('0:0:0:0::/64');
    expect(networkOfAddress('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(networkOfAddress('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
  });

  test('behavior: neighbours share a network, the next block does not', () => {
    expect(networkOfAddress('198.51.100.1')).toBe(networkOfAddress('198.51.100.254'));
    expect(networkOfAddress('198.51.100.1')).not.toBe(networkOfAddress('198.51.101.1'));
    expect(networkOfAddress('2001:db8:0:1::1')).toBe(networkOfAddress('2001:db8:0:1:ffff::9'));
    expect(networkOfAddress('2001:db8:0:1::1')).not.toBe(networkOfAddress('2001:db8:0:2::1'));
  });
});

describe('networkOf', () => {
  test('default: the socket peer counts, and a forwarded header from an untrusted peer is ignored', async () => {
    expect(await networkFor('', '198.51.100.9')).toBe('198.51.100.0/24');
    expect(await networkFor('', '198.51.100.9', { 'x-forwarded-for': '203.0.113.5' })).toBe('198.51.100.0/24');
    expect(await networkFor('10.0.0.1', '198.51.100.9', { 'x-forwarded-for': '203.0.113.5' })).toBe('198.51.100.0/24');
  });

  test('behavior: through a trusted proxy, only the last forwarded address counts', async () => {
    const xff = { 'x-forwarded-for': '192.0.2.1, 203.0.113.5' };
    expect(await networkFor('127.0.0.1', '127.0.0.1', xff)).toBe('203.0.113.0/24');
    expect(await networkFor('10.0.0.0/8, ::1', '10.9.8.7', xff)).toBe('203.0.113.0/24');
    expect(await networkFor('::1', '::1', { 'x-forwarded-for': '2001:db8:7:7::2' })).toBe('2001:db8:7:7::/64');
    // A dual-stack socket reports IPv4 peers as mapped IPv6 addresses: they still match an IPv4 entry.
    expect(await networkFor('127.0.0.1', '::ffff:127.0.0.1', xff)).toBe('203.0.113.0/24');
  });

  test('behavior: a trusted proxy without a usable header stands for itself', async () => {
    expect(await networkFor('127.0.0.1', '127.0.0.1')).toBe('127.0.0.0/24');
    expect(await networkFor('127.0.0.1', '127.0.0.1', { 'x-forwarded-for': 'evil, not-an-ip' })).toBe('127.0.0.0/24');
  });

  test('behavior: without a socket every request shares one network', async () => {
    expect(await networkFor('', undefined, { 'x-forwarded-for': '203.0.113.5' })).toBe(UNKNOWN_NETWORK);
  });

  test('error: a trusted proxy that is not an address or CIDR is refused, naming it', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/', '::1/129', '1.2.3.4/8/9'])
      expect(() => new TrustedProxies(`127.0.0.1, ${bad}`)).toThrow(bad);
  });
});

describe('a coordinator records each host’s network', () => {
  test('default: at registration and at each work request, through the trusted loopback proxy only', async () => {
    const trusting = await startTestCoordinator();
    try {
      const url = trusting.coordinator.url;
      const host = await SimHost.register(url, { address: '203.0.113.5' });
      expect(await trusting.inspect.hostNetwork(host.identity.hostId)).toBe('203.0.113.0/24');
      host.address = '2001:db8:5:6::9';
      await host.requestWork(1);
      expect(await trusting.inspect.hostNetwork(host.identity.hostId)).toBe('2001:db8:5:6::/64');
    } finally {
      await trusting.close();
    }
    // Without trusted proxies the same header is a client's claim, and ignored: the socket's network counts.
    const plain = await startTestCoordinator('sqlite', { TERRAFLOP_TRUSTED_PROXIES: '' });
    try {
      const host = await SimHost.register(plain.coordinator.url, { address: '203.0.113.5' });
      expect(await plain.inspect.hostNetwork(host.identity.hostId)).toBe('127.0.0.0/24');
    } finally {
      await plain.close();
    }
  });

  test('error: registrations past a network’s hourly share get a 429, and other networks are unaffected', async () => {
    const running = await startTestCoordinator('sqlite', { TERRAFLOP_REGISTRATIONS_PER_HOUR: '3' });
    try {
      const url = running.coordinator.url;
      // Three addresses of one /24: one network, whatever each host claims to be.
      for (const last of [1, 2, 3]) await SimHost.register(url, { address: `203.0.113.${last}` });
      await expect(SimHost.register(url, { address: '203.0.113.4' })).rejects.toThrow(/429 .*too many requests/);
      await SimHost.register(url, { address: '203.0.114.4' });
      expect((await running.inspect.counts()).hosts).toBe(4);
    } finally {
      await running.close();
    }
  });

  test('error: a bad TERRAFLOP_TRUSTED_PROXIES stops start-up, naming the variable', () => {
    expect(() => loadConfig({ TERRAFLOP_TRUSTED_PROXIES: '10.0.0.0/99' })).toThrow(/TERRAFLOP_TRUSTED_PROXIES/);
  });
});
