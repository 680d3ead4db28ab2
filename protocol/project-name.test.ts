import { describe, expect, test } from 'vitest';
import { PROJECT_SHORT_NAME, projectShortName } from './project-name.ts';
import { WorkRequest } from './work.ts';

describe('project short names', () => {
  test('default: lowercase, runs of other characters one dash, trimmed', () => {
    expect(projectShortName('Pulsar survey')).toBe('pulsar-survey');
    expect(projectShortName('  Comets: 2026 (north)! ')).toBe('comets-2026-north');
    expect(projectShortName('demo')).toBe('demo');
  });

  test('behavior: at most 64 characters, never ending in a dash, always a valid short name when not empty', () => {
    const long = projectShortName(`${'a'.repeat(63)} b`);
    expect(long).toBe('a'.repeat(63));
    for (const name of ['x'.repeat(200), 'A b c', '√ Ünïcode 1'])
      expect(projectShortName(name)).toMatch(PROJECT_SHORT_NAME);
    expect(projectShortName('日本')).toBe('');
  });

  test('error: a work request naming a project by anything but a short name is refused, naming the field', () => {
    expect(WorkRequest.parse({ maxReplicas: 2, project: 'pulsar-survey' }).project).toBe('pulsar-survey');
    const bad = WorkRequest.safeParse({ maxReplicas: 2, project: 'Pulsar survey' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['project']);
  });
});
