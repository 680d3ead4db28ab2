/**
 * @module e2e/csp
 * Every page works under the Content-Security-Policy the coordinator sends (server/http/frame-headers.ts): no
 * violation while the volunteer app computes (workers, WebAssembly), nor on the dashboard, the status page and the
 * widget frame; and each is served with the policy and the other security headers.
 */
import { expect, test, type Page } from '@playwright/test';

/** Records every policy violation the page or its frames report, before any of their scripts run. */
async function recordViolations(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { violations: string[] };
    w.violations = [];
    document.addEventListener('securitypolicyviolation', (e) =>
      w.violations.push(`${e.effectiveDirective} refused ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/.test(m.text())) errors.push(m.text());
  });
  return {
    errors,
    violations: () => page.evaluate(() => (window as unknown as { violations: string[] }).violations),
  };
}

test('behavior: the volunteer app computes under its policy with no violation', async ({ page }) => {
  const recorded = await recordViolations(page);
  const res = await page.goto('/');
  const headers = res!.headers();
  expect(headers['content-security-policy']).toContain("script-src 'self' 'wasm-unsafe-eval'");
  expect(headers).toMatchObject({
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'strict-origin-when-cross-origin',
    'cross-origin-opener-policy': 'same-origin',
  });
  await page.getByRole('button', { name: 'Start contributing' }).click();
  await expect
    .poll(async () => Number(await page.getByTestId('units-done').textContent()), { timeout: 30_000 })
    .toBeGreaterThan(2);
  expect(await recorded.violations()).toEqual([]);
  expect(recorded.errors).toEqual([]);
});

for (const path of ['/dashboard.html', '/status.html', '/widget-frame.html?project=demo']) {
  test(`behavior: ${path} loads under its policy with no violation`, async ({ page }) => {
    const recorded = await recordViolations(page);
    const res = await page.goto(path);
    expect(res!.headers()['content-security-policy']).toMatch(/^default-src 'self'; .*; frame-ancestors/);
    await expect(page.locator('#app')).not.toBeEmpty();
    await page.waitForLoadState('networkidle');
    expect(await recorded.violations()).toEqual([]);
    expect(recorded.errors).toEqual([]);
  });
}
