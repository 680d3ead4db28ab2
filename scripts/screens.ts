/**
 * @module scripts/screens
 * `npm run screens`: renders every page people see (the volunteer page, the researchers' dashboard, the status page
 * and the partner widget) at 360 and 1280 px wide, light and dark, into docs/screens/PAGE-WIDTH-SCHEME.png, which
 * the README shows. The pages are real: a coordinator with the demo and an example researcher's collatz batch, two
 * volunteers computing in Debian's Chromium until credit is granted, a partner page embedding the widget. Prints
 * each file with its page's width as laid out (a page wider than the window scrolls sideways).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Page } from '@playwright/test';
import { startOwnCoordinator } from '../e2e/support/own-coordinator.ts';
import { ownNetwork } from '../e2e/support/own-network.ts';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';

const OUT = 'docs/screens';
const WIDTHS = [360, 1280] as const;
const SCHEMES = ['light', 'dark'] as const;

const coordinator = await startOwnCoordinator('tiny', {
  // The example's volunteers share one address and compute units of a fraction of a second: the per-host rate
  // limit, made for real units, would slow them down.
  env: {
    TERRAFLOP_OPERATOR: 'the Terraflop developers, as a demonstration',
    TERRAFLOP_HOST_RATE: '200',
    TERRAFLOP_NETWORK_RATE: '1000',
  },
});
const api = (path: string) => new URL(path, coordinator.url).href;
const partner = createServer((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(partnerPage(coordinator.url));
});
await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });

try {
  const key = await exampleProject();
  // Two homes: hosts of one network never share a unit, so two pages on loopback's would never see credit granted.
  const [ada, bob] = await Promise.all([browser.newContext(ownNetwork(1)), browser.newContext(ownNetwork(2))]);
  const volunteer = await ada.newPage();
  const second = await bob.newPage();
  for (const page of [volunteer, second]) {
    await page.goto(coordinator.url);
    await page.getByRole('button', { name: 'Start contributing' }).click();
  }
  await volunteer.getByLabel('Name on the leaderboard').fill('Ada');
  await volunteer.getByRole('button', { name: 'Save name' }).click();
  await waitFor(async () => Number((await volunteer.getByTestId('credit').textContent())?.replace(/,/g, '')) > 0);
  await shoot(volunteer, 'volunteer');
  // The second volunteer leaves: the replicas in its buffer wait there, as the dashboard says, and the units still
  // unsent go to the widget's visitor below.
  await second.getByRole('button', { name: 'Stop contributing' }).click();

  const researcher = await (await browser.newContext()).newPage();
  await researcher.goto(api('/dashboard.html'));
  await researcher.getByLabel('API key').fill(key);
  await researcher.getByRole('button', { name: 'Sign in' }).click();
  await researcher.getByRole('button', { name: /^\d+: collatz records/ }).click();
  await researcher.getByTestId('batch-state').waitFor();
  await shoot(researcher, 'dashboard');

  const status = await ada.newPage();
  await status.goto(api('/status.html'));
  await status.getByRole('table', { name: 'Top volunteers' }).waitFor();
  await shoot(status, 'status');

  const visitor = await (await browser.newContext()).newPage();
  await visitor.goto(`http://127.0.0.1:${(partner.address() as AddressInfo).port}/`);
  const widget = visitor.frameLocator('iframe[title^="Terraflop"]');
  // The opt-in button opens once it has been wholly in view for a moment (web/widget/visibility-gate.svelte.ts).
  await widget.getByRole('button', { name: 'Start contributing' }).scrollIntoViewIfNeeded();
  await waitFor(
    async () =>
      (await widget.getByRole('button', { name: 'Start contributing' }).getAttribute('aria-disabled')) === 'false',
  );
  await widget.getByRole('button', { name: 'Start contributing' }).click();
  await waitFor(async () => (await widget.getByTestId('widget-units').textContent()) !== '0');
  await shoot(visitor, 'widget');
} finally {
  await browser.close();
  partner.close();
  await coordinator.stop();
}

/** A project as its researcher would set it up: described for volunteers, with a batch of collatz units. */
async function exampleProject(): Promise<string> {
  const created = execFileSync(
    process.execPath,
    ['bin/terraflop.mjs', 'project', 'create', '--name', 'Collatz records'],
    {
      env: { ...process.env, TERRAFLOP_DATA: coordinator.data, TERRAFLOP_CHAIN: 'off' },
    },
  );
  const { apiKey } = JSON.parse(created.toString()) as { apiKey: string };
  const call = (method: string, path: string, body: unknown) =>
    fetch(api(path), {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => {
      if (!r.ok) throw new Error(`${method} ${path}: ${r.status}`);
    });
  await call('PUT', '/api/research/project/about', {
    runBy: 'an example lab, for these pictures',
    purpose: 'Searches ranges of whole numbers for the longest Collatz paths: an example project.',
  });
  // Enough units of about a second each that the batch is still running when the pictures are taken.
  const units = Array.from({ length: 300 }, (_, i) => ({
    app: 'collatz',
    input: { start: 1_000_000_000 + i * 2_000_000, count: 2_000_000 },
  }));
  await call('POST', '/api/research/batches', { name: 'collatz records 1e9', units });
  return apiKey;
}

/** Full-page screenshots of `page` at each width and scheme. */
async function shoot(page: Page, name: string): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  for (const width of WIDTHS) {
    for (const scheme of SCHEMES) {
      await page.setViewportSize({ width, height: width < 600 ? 740 : 900 });
      await page.emulateMedia({ colorScheme: scheme, reducedMotion: 'reduce' });
      await page.waitForTimeout(600);
      const laidOut = await page.evaluate(() => document.documentElement.scrollWidth);
      const path = `${OUT}/${name}-${width}-${scheme}.png`;
      await page.screenshot({ path, fullPage: true, animations: 'disabled' });
      console.log(`${path}: laid out ${laidOut} px wide${laidOut > width ? '  SCROLLS SIDEWAYS' : ''}`);
    }
  }
}

async function waitFor(check: () => Promise<boolean>, timeoutMs = 120_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error('the example did not get that far in time');
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** A partner's article with the widget in it, as a site would embed it. */
function partnerPage(coordinatorUrl: string): string {
  return `<!doctype html><html lang="en"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>A partner's article</title>
<style>
  body { font: 17px/1.6 Georgia, serif; margin: 0; color: #222; background: #fdfcf8; }
  @media (prefers-color-scheme: dark) { body { color: #ddd; background: #1b1b1b; } }
  article { max-width: 40rem; margin: 0 auto; padding: 1rem; }
  aside { margin: 1.5rem 0; }
</style>
<article>
  <h1>How your browser can help find records in number theory</h1>
  <p>Volunteer computing lets anyone lend a device's spare time to research. The box below is a Terraflop widget:
  it computes only if you press its button, and stops when you say.</p>
  <aside>
    <script async src="${coordinatorUrl}embed.js" data-project="collatz-records"></script>
  </aside>
  <p>Every result is computed twice, by two volunteers, and counts only when the two agree.</p>
</article>`;
}
