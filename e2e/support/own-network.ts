/**
 * @module e2e/support/own-network
 * Browser contexts that compute from networks of their own. Hosts on one network never share a unit, and every
 * page of the suite comes from loopback; the test coordinators trust loopback as a proxy (TERRAFLOP_TRUSTED_PROXIES),
 * so a context that forwards an address of its own counts as a volunteer in another home, as in production behind
 * a load balancer. Addresses are from 10.77.0.0/16: each index gets a /24 of its own.
 */
import type { BrowserContextOptions } from '@playwright/test';

export function ownNetwork(index: number, options: BrowserContextOptions = {}): BrowserContextOptions {
  return { ...options, extraHTTPHeaders: { ...options.extraHTTPHeaders, 'x-forwarded-for': `10.77.${index}.7` } };
}
