/**
 * @module e2e/support/test-page
 * A test page of the real code (kernels, workers, the runner), bundled with Vite as the app's build bundles it and
 * served by route interception at the e2e coordinator's origin, a secure context: a spec bundles it once, and each
 * test opens it and waits for the title the page sets when it is ready.
 */
import { expect, type Page } from '@playwright/test';
import { build } from 'vite';
import { fileURLToPath } from 'node:url';

/** The page's bundle (page.js) and what Vite emitted beside it (workers), by file name. */
export async function bundleTestPage(entry: URL): Promise<Map<string, string>> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    worker: { format: 'es' }, // as the app's own build: module workers (the custom-app sandbox awaits at top level)
    build: { write: false, minify: false, lib: { entry: fileURLToPath(entry), formats: ['es'], fileName: 'page' } },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as {
    output: { fileName: string; code?: string; source?: unknown }[];
  }[];
  const files = new Map<string, string>();
  for (const chunk of outputs.flatMap((o) => o.output))
    files.set(chunk.fileName.replace(/^assets\//, ''), chunk.code ?? String(chunk.source));
  return files;
}

/**
 * A page as one script, its dynamic imports inlined (WGSL drivers, which import their shaders as `?raw`), for a page
 * that starts itself as a worker from its own URL, or a benchmark that serves it whole.
 */
export async function bundleScript(entry: URL): Promise<string> {
  const result = await build({
    configFile: false,
    logLevel: 'warn',
    worker: { format: 'es' }, // as the app's own build: module workers (the custom-app sandbox awaits at top level)
    build: {
      write: false,
      minify: false,
      rolldownOptions: { output: { codeSplitting: false } },
      lib: { entry: fileURLToPath(entry), formats: ['es'], fileName: 'page' },
    },
  });
  const outputs = (Array.isArray(result) ? result : [result]) as { output: { type: string; code?: string }[] }[];
  const code = outputs.flatMap((o) => o.output).find((chunk) => chunk.type === 'chunk')?.code;
  if (!code) throw new Error(`${entry.pathname} did not bundle into a script`);
  return code;
}

/** The HTML of a test page: its script and nothing else. */
const SHELL = '<!doctype html><script type="module" src="page.js"></script>';

/** Serves `code` as page.js, and an HTML page that loads it, at the URLs `pattern` matches (bundleScript's). */
export async function serveScript(page: Page, pattern: string, code: string): Promise<void> {
  await page.route(pattern, (route) =>
    route.request().url().endsWith('.js')
      ? route.fulfill({ contentType: 'text/javascript', body: code })
      : route.fulfill({ contentType: 'text/html', body: SHELL }),
  );
}

/**
 * Serves `files` at /`folder`/ (and the workers Vite emitted at /assets/, where their URLs point) and opens the page,
 * failing with the page's own errors if it never sets `title`.
 */
export async function openTestPage(page: Page, files: Map<string, string>, folder: string, title: string) {
  await page.route(new RegExp(`/(${folder}|assets)/[^/]+$`), (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop()!;
    if (name === 'index.html') return route.fulfill({ contentType: 'text/html', body: SHELL });
    const code = files.get(name);
    return code ? route.fulfill({ contentType: 'text/javascript', body: code }) : route.fallback();
  });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(`/${folder}/index.html`);
  await expect(page, errors.join('\n')).toHaveTitle(title);
}
