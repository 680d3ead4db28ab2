import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { afterEach, expect, test } from 'vitest';
import { precompress } from './precompress-plugin.ts';

let dir = '';
afterEach(() => rmSync(dir, { recursive: true, force: true }));

test('default: big text files get brotli and gzip copies that decompress to them; small and binary ones do not', () => {
  dir = mkdtempSync(join(tmpdir(), 'terraflop-precompress-'));
  mkdirSync(join(dir, 'assets'));
  const big = 'const x = "terraflop";\n'.repeat(200);
  writeFileSync(join(dir, 'assets', 'app-1.js'), big);
  writeFileSync(join(dir, 'index.html'), '<!doctype html>');
  writeFileSync(join(dir, 'icon.png'), Buffer.alloc(4096, 7));

  expect(precompress(dir)).toBe(1);
  expect(brotliDecompressSync(readFileSync(join(dir, 'assets', 'app-1.js.br'))).toString()).toBe(big);
  expect(gunzipSync(readFileSync(join(dir, 'assets', 'app-1.js.gz'))).toString()).toBe(big);
  expect(existsSync(join(dir, 'index.html.br'))).toBe(false);
  expect(existsSync(join(dir, 'icon.png.br'))).toBe(false);
});
