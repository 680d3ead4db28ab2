/**
 * @module bench/size
 * `npm run bench:size`: gzipped bytes of the JavaScript each HTML entry in dist/ loads before it can run (its module
 * scripts, their modulepreloads and every static import they pull in, transitively), and of its CSS. Budgets, from
 * the issues: the volunteer app (dist/index.html) at most 80,000 bytes of JS; other entries (the widget loader) are
 * listed as they appear. Last line: one JSON object.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const DIST = resolve(process.argv[2] ?? 'dist');
const APP_BUDGET = 80_000;
const WIDGET_LOADER_BUDGET = 5_000;

function htmlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return htmlFiles(path);
    return name.endsWith('.html') ? [path] : [];
  });
}

/** A URL in the page to a file in dist/ ("/assets/x.js" or "./assets/x.js"). */
function fileOf(url: string, from: string): string | undefined {
  if (/^[a-z]+:/i.test(url)) return undefined;
  const path = url.startsWith('/') ? join(DIST, url) : resolve(dirname(from), url);
  return existsSync(path) ? path : undefined;
}

/** Static imports of an ES module (not dynamic import()): they load before it runs. */
function staticImports(file: string): string[] {
  const code = readFileSync(file, 'utf8');
  const found = [
    ...code.matchAll(/(?:^|[;\n}])\s*(?:import|export)\s*(?:[\w*{}\s,$]+?\s*from\s*)?["']([^"']+\.js)["']/g),
  ];
  return found.flatMap((m) => fileOf(m[1]!, file) ?? []);
}

const gz = (file: string) => gzipSync(readFileSync(file), { level: 9 }).length;

export function measureEntry(html: string) {
  const page = readFileSync(html, 'utf8');
  const attr = (tag: string, name: string) => new RegExp(`${name}=["']([^"']+)["']`).exec(tag)?.[1];
  const tags = [...page.matchAll(/<(script|link)\b[^>]*>/g)].map((m) => m[0]);
  const js = new Set<string>();
  const css = new Set<string>();
  for (const tag of tags) {
    if (tag.startsWith('<script') && /type=["']module["']/.test(tag)) {
      const f = fileOf(attr(tag, 'src') ?? '', html);
      if (f) js.add(f);
    } else if (tag.startsWith('<link') && /rel=["']modulepreload["']/.test(tag)) {
      const f = fileOf(attr(tag, 'href') ?? '', html);
      if (f) js.add(f);
    } else if (tag.startsWith('<link') && /rel=["']stylesheet["']/.test(tag)) {
      const f = fileOf(attr(tag, 'href') ?? '', html);
      if (f) css.add(f);
    }
  }
  for (const file of js) for (const imported of staticImports(file)) js.add(imported);
  const sum = (files: Set<string>) => [...files].reduce((n, f) => n + gz(f), 0);
  return { js_gz: sum(js), css_gz: sum(css), files: [...js, ...css].map((f) => relative(DIST, f)) };
}

if (import.meta.main) {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error(`no built app in ${DIST} (run npm run build)`);
  const entries = Object.fromEntries(htmlFiles(DIST).map((html) => [relative(DIST, html), measureEntry(html)]));
  for (const [name, e] of Object.entries(entries)) {
    console.log(`${name}: ${e.js_gz} B of JS and ${e.css_gz} B of CSS gzipped, first load: ${e.files.join(', ')}`);
  }
  const app = entries['index.html']!.js_gz;
  console.log(`volunteer app: ${app} B of ${APP_BUDGET} B budget (${app <= APP_BUDGET ? 'within' : 'OVER'})`);
  const perEntry = Object.fromEntries(Object.entries(entries).map(([name, e]) => [name, e.js_gz]));
  // The partner widget's loader (dist/embed.js, web/embed/): a classic script, not an HTML entry. Goal: 5,000 B.
  const loaderFile = join(DIST, 'embed.js');
  const loader = existsSync(loaderFile) ? gz(loaderFile) : null;
  const loaderVerdict = loader !== null && loader <= WIDGET_LOADER_BUDGET ? 'within' : 'OVER';
  console.log(`widget loader: ${loader ?? 'missing'} B of ${WIDGET_LOADER_BUDGET} B budget (${loaderVerdict})`);
  console.log(
    JSON.stringify({ app_initial_js_gz: app, budget: APP_BUDGET, entries_js_gz: perEntry, widget_loader_gz: loader }),
  );
}
