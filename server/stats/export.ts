/**
 * @module server/stats/export
 * The daily statistics export (BOINC's user and host files, in JSON lines): every volunteer's and host's credit,
 * written once a day to data/stats/<date>/ with a manifest of each file's SHA-256, line count and credit sum, so that
 * anyone who downloads them can check they are whole and add the credit up themselves. Format: docs/stats.md.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Pass } from '../passes/passes.ts';

export const STATS_FORMAT = 'terraflop-stats/1';

export interface StatsManifest {
  format: typeof STATS_FORMAT;
  date: string;
  generated_at: number;
  files: Record<string, { sha256: string; lines: number; total_credit: number }>;
}

const day = (now: number) => new Date(now).toISOString().slice(0, 10);

function jsonl(rows: object[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}

/** Writes today's export if it is missing; a folder appears whole or not at all (written aside, then renamed). */
export function statsExporter(statsDir: string): Pass {
  return async (store, now) => {
    const date = day(now);
    const target = join(statsDir, date);
    if (existsSync(target)) return false;
    const table = await store.creditTable(now);
    const temporary = `${target}.partial-${process.pid}`;
    mkdirSync(temporary, { recursive: true });
    const manifest: StatsManifest = { format: STATS_FORMAT, date, generated_at: now, files: {} };
    for (const [name, rows] of [
      ['volunteers.jsonl', table.volunteers],
      ['hosts.jsonl', table.hosts],
    ] as const) {
      const text = jsonl(rows);
      writeFileSync(join(temporary, name), text);
      manifest.files[name] = {
        sha256: createHash('sha256').update(text).digest('hex'),
        lines: rows.length,
        total_credit: rows.reduce((sum, r) => sum + r.total_credit, 0),
      };
    }
    writeFileSync(join(temporary, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    renameSync(temporary, target);
    return true;
  };
}
