/**
 * @module e2e/widget-training
 * Training through partners' widgets: three visitors of a partner's page, each in a home of its own, opt in to the
 * widget that names a training project, and the job's rounds close on what their frames computed, under the widget's
 * CPU limit and consent rules like any other work. On a coordinator of its own with no demo work, so the only units
 * are the job's, and a partner page served from a second origin.
 */
import { execFileSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test, type BrowserContext } from '@playwright/test';
import { projectShortName } from '../protocol/project-name.ts';
import { TrainingJob, type TrainingJobSubmissionInput } from '../protocol/training-job.ts';
import { startOwnCoordinator, type OwnCoordinator } from './support/own-coordinator.ts';
import { ownNetwork } from './support/own-network.ts';
import { startContributing } from './support/widget-opt-in.ts';

const PROJECT = 'Widget digits';
let coordinator: OwnCoordinator;
let partner: Server;
let partnerUrl: string;

test.beforeAll(async () => {
  coordinator = await startOwnCoordinator('off');
  const project = projectShortName(PROJECT);
  const html = `<!doctype html><title>A partner</title><h1>A partner's article</h1>
    <script async src="${new URL('/embed.js', coordinator.url).href}"
      data-project="${project}" data-cpu-limit="100"></script>`;
  partner = createServer((req, res) => {
    if (req.url !== '/') return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
  });
  await new Promise<void>((resolve) => partner.listen(0, '127.0.0.1', resolve));
  partnerUrl = `http://127.0.0.1:${(partner.address() as AddressInfo).port}/`;
});

test.afterAll(async () => {
  await coordinator?.stop();
  await new Promise((resolve) => partner?.close(resolve));
});

/** An address on the coordinator (its URL ends with a slash). */
const api = (path: string) => new URL(path, coordinator.url).href;

function createProject(name: string): string {
  const out = execFileSync(process.execPath, ['bin/terraflop.mjs', 'project', 'create', '--name', name], {
    env: { ...process.env, TERRAFLOP_DATA: coordinator.data, TERRAFLOP_CHAIN: 'off' },
  });
  return (JSON.parse(out.toString()) as { apiKey: string }).apiKey;
}

test('three partner widgets train a job: its rounds close on their updates, nobody banned', async ({
  browser,
  request,
}) => {
  test.setTimeout(600_000);
  const key = createProject(PROJECT);
  const headers = { authorization: `Bearer ${key}` };
  const submission: TrainingJobSubmissionInput = {
    name: 'widget digits',
    model: { kind: 'mlp', hidden: 32 },
    rounds: 2,
    hyper: { localSteps: 20, unitsPerRound: 3 },
  };
  const created = await request.post(api('/api/research/training-jobs'), { headers, data: submission });
  expect(created.status(), await created.text()).toBe(201);
  const { jobId } = TrainingJob.parse(await created.json());
  const job = async () =>
    TrainingJob.parse(await (await request.get(api(`/api/research/training-jobs/${jobId}`), { headers })).json());

  // Three visitors from three homes: a round's recomputed share must go to a host of another network.
  const visitors: BrowserContext[] = await Promise.all([1, 2, 3].map((i) => browser.newContext(ownNetwork(i))));
  const frames = await Promise.all(
    visitors.map(async (context) => {
      const page = await context.newPage();
      await page.goto(partnerUrl);
      const widget = page.frameLocator('iframe[title^="Terraflop"]');
      // Consent first: the frame asks for training work only after the click.
      await startContributing(widget);
      // "Starting…" first pays the registration's proof of work (1-3 s of a core): three frames at once on two busy
      // cores took longer than the default 5 s in a CI run.
      await expect(widget.getByTestId('widget-state')).toHaveText(/Computing/, { timeout: 60_000 });
      return widget;
    }),
  );

  // Each frame first fetches the digits and the kernel; three frames share two cores on a busy machine.
  await expect.poll(async () => (await job()).version, { timeout: 480_000, intervals: [2_000] }).toBe(2);
  const done = await job();
  expect(done.state).toBe('done');
  expect(done.bannedHosts).toBe(0);
  const rounds = done.history.filter((r) => r.closedAt !== null);
  expect(rounds).toHaveLength(2);
  for (const round of rounds) expect(round.updates).toBeGreaterThan(0);
  // The updates came from the widgets: between them they computed at least a round's worth of units.
  const units = await Promise.all(frames.map(async (w) => Number(await w.getByTestId('widget-units').textContent())));
  expect(units.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(submission.hyper!.unitsPerRound!);
  await Promise.all(visitors.map((c) => c.close()));
});
