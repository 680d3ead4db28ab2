import { defineConfig } from '@playwright/test';

/** Debian's Chromium: Playwright cannot download its own browsers on these machines. */
export const CHROMIUM = process.env['TERRAFLOP_CHROMIUM'] ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
  // The real Compute Pressure API reports this shared machine's load, which would pause the volunteer page at random;
  // specs that test backing off under pressure install their own PressureObserver (e2e/support/fake-signals.ts).
  '--disable-blink-features=ComputePressure',
];

/** The e2e coordinator's port; TERRAFLOP_E2E_PORT lets two checkouts run their suites side by side. */
const PORT = Number(process.env['TERRAFLOP_E2E_PORT'] ?? 4173);
export const E2E_COORDINATOR = `http://127.0.0.1:${PORT}`;
/** Its data folder, one per port, so that a second suite on another port never wipes this one's coordinator. */
export const E2E_DATA = `.e2e-data/${PORT}`;

export default defineConfig({
  testDir: 'e2e',
  // End-to-end specs only: e2e/support's own unit tests (*.test.ts) are Vitest's.
  testMatch: '**/*.spec.ts',
  timeout: 60_000,
  fullyParallel: false,
  // CI shares two cores with everything else: one retry absorbs a timing stall; a test must still pass on it.
  retries: process.env['CI'] ? 1 : 0,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${PORT}/`,
    launchOptions: { executablePath: CHROMIUM, args: CHROMIUM_ARGS },
    trace: 'retain-on-failure',
  },
  // The real coordinator on a fresh data folder, serving the built app, with small demo units.
  webServer: {
    command: `rm -rf ${E2E_DATA} && node server/main.ts`,
    url: `http://127.0.0.1:${PORT}/api/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: {
      TERRAFLOP_PORT: String(PORT),
      TERRAFLOP_DATA: E2E_DATA,
      TERRAFLOP_DEMO: 'tiny',
      TERRAFLOP_PASS_INTERVAL_MS: '100',
      TERRAFLOP_CHAIN: 'off',
      // Every browser of the suite shares one address (loopback): the per-network limits have their own tests.
      TERRAFLOP_NETWORK_RATE: '1000',
      // Helper hosts (e2e/support) forward addresses of networks of their own; pages count as loopback's network.
      TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1',
      TERRAFLOP_REGISTRATIONS_PER_HOUR: '1000000', // every page of the suite registers from loopback
      TERRAFLOP_REGISTRATION_WORK_BITS: '10', // pages still solve the proof of work in a worker, an easy one
      // The specs read the status page and boards right after the work they check.
      TERRAFLOP_PUBLIC_CACHE_MS: '0',
      // Two pages of a spec pair up on a unit at once, as they did before the wait (production waits up to 30 s);
      // the wait itself is still taken (50-200 ms), so the suite runs its path.
      TERRAFLOP_SIBLING_WAIT_S: '0.2',
      // Every page of the suite is a host on loopback's network, and hosts accumulate over the suite.
      TERRAFLOP_HOSTS_PER_NETWORK: '1000000',
      // A page computes tiny units in milliseconds, and no page's result is validated by another network's host
      // here (all are loopback's), so a new host's quota of 32 a day never grows: a page ran dry within seconds and
      // the specs that wait for a unit on screen after a pause (policies) saw "No work available".
      TERRAFLOP_NEW_HOST_DAILY: '100000',
    },
  },
});
