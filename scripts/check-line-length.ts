/**
 * @module scripts/check-line-length
 * Fails when a source line is longer than 120 characters, the one rule of layout Biome's formatter leaves to us (it
 * does not break strings, comments or template literals). Markdown is exempt: its tables are one line a row.
 * Usage: `node scripts/check-line-length.ts` (part of `npm run lint`).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const CHECKED = /\.(ts|mts|js|mjs|svelte|css|html|sol|sh|json|wgsl)$/;
/** Generated or vendored files, written by tools rather than people. */
const EXEMPT = new Set(['package-lock.json', 'contracts/abi.ts']);

const files = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => CHECKED.test(f) && !EXEMPT.has(f));

const long: string[] = [];
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // listed by git but deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if (line.length > MAX) long.push(`${file}:${i + 1}: ${line.length} characters`);
  });
}
if (long.length > 0) {
  console.error(`${long.length} lines are longer than ${MAX} characters:\n${long.join('\n')}`);
  process.exit(1);
}
