import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, gzipSync } from 'node:zlib';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { IMMUTABLE, REVALIDATE, serveWebApp } from './web-app.ts';

describe('serveWebApp', () => {
  let root: string;
  let app: Hono;
  const chunk = 'export const answer = 42;'.repeat(40);

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'terraflop-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    writeFileSync(join(root, 'assets', 'index-AbC123.js'), chunk);
    writeFileSync(join(root, 'assets', 'index-AbC123.js.br'), brotliCompressSync(chunk));
    writeFileSync(join(root, 'assets', 'index-AbC123.js.gz'), gzipSync(chunk));
    app = new Hono().use('/*', serveWebApp(root)).all('*', (c) => c.text('not a file', 404));
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('default: a hashed chunk is immutable and comes as brotli to a browser that takes it', async () => {
    const res = await app.request('/assets/index-AbC123.js', { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('br');
    expect(res.headers.get('vary')).toContain('Accept-Encoding');
    expect(res.headers.get('cache-control')).toBe(IMMUTABLE);
    expect(res.headers.get('content-type')).toMatch(/javascript/);
    expect(Number(res.headers.get('content-length'))).toBeLessThan(chunk.length / 4);
  });

  test('behavior: gzip when brotli is not accepted, the file itself when nothing is', async () => {
    const gz = await app.request('/assets/index-AbC123.js', { headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    const plain = await app.request('/assets/index-AbC123.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(chunk);
  });

  test('behavior: the page itself revalidates, so a new version is seen on the next visit', async () => {
    for (const path of ['/', '/index.html']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe(REVALIDATE);
    }
  });

  test('behavior: a path with no file goes on to the next handler, without a cache policy', async () => {
    const res = await app.request('/assets/missing-XyZ.js');
    expect(res.status).toBe(404);
    expect(await res.text()).toBe('not a file');
    expect(res.headers.get('cache-control')).toBeNull();
  });
});
