/**
 * @module bench/audit
 * `npm run bench:audit`: Lighthouse (performance, accessibility, best practices; its PWA category is gone since
 * version 12) against the built volunteer app served by a real coordinator, in Debian's Chromium. Goal: at least 90
 * in each. Last line: one JSON object of the scores. `BENCH_AUDIT_JSON=path` also writes Lighthouse's whole report
 * there.
 */
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';
import { writeFileSync } from 'node:fs';
import { startOwnCoordinator } from '../e2e/support/own-coordinator.ts';
import { CHROMIUM } from '../playwright.config.ts';

const GOAL = 90;
const coordinator = await startOwnCoordinator('tiny');
const chrome = await chromeLauncher.launch({
  chromePath: CHROMIUM,
  chromeFlags: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  // Lighthouse's default is a mid-range phone (4× CPU slowdown, slow 4G); `BENCH_AUDIT_PRESET=desktop` for a laptop.
  const desktop = process.env['BENCH_AUDIT_PRESET'] === 'desktop';
  const result = await lighthouse(
    coordinator.url,
    {
      port: chrome.port,
      output: 'json',
      logLevel: 'error',
      onlyCategories: ['performance', 'accessibility', 'best-practices'],
    },
    desktop ? (await import('lighthouse/core/config/desktop-config.js')).default : undefined,
  );
  if (!result) throw new Error('Lighthouse returned no result');
  const { categories, audits } = result.lhr;
  // The whole report, for finding what costs the score (its opportunities and diagnostics).
  const reportPath = process.env['BENCH_AUDIT_JSON'];
  if (reportPath) writeFileSync(reportPath, JSON.stringify(result.lhr, null, 1));
  const scores = Object.fromEntries(
    Object.entries(categories).map(([id, c]) => [id, Math.round((c.score ?? 0) * 100)]),
  );
  for (const [id, score] of Object.entries(scores))
    console.log(`${id}: ${score} (goal ${GOAL})${score < GOAL ? '  BELOW GOAL' : ''}`);
  for (const id of [
    'first-contentful-paint',
    'largest-contentful-paint',
    'total-blocking-time',
    'cumulative-layout-shift',
  ]) {
    console.log(`  ${id}: ${audits[id]?.displayValue ?? '?'}`);
  }
  const failing = Object.values(audits).filter(
    (a) => a.score !== null && a.score < 0.9 && a.scoreDisplayMode === 'binary',
  );
  for (const a of failing) console.log(`  failing: ${a.id}: ${a.title}`);
  console.log(JSON.stringify({ preset: desktop ? 'desktop' : 'mobile', ...scores }));
} finally {
  chrome.kill();
  await coordinator.stop();
}
