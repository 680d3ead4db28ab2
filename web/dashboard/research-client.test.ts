import { describe, expect, test } from 'vitest';
import { parseUnitsFile } from './research-client.ts';

describe('parseUnitsFile', () => {
  const unit = { app: 'collatz', input: { start: 1 } };
  test('default: JSON lines, blank lines skipped', () => {
    expect(parseUnitsFile(`${JSON.stringify(unit)}\n\n${JSON.stringify(unit)}\n`)).toEqual([unit, unit]);
  });
  test('behavior: a JSON array, a submission body or a single unit', () => {
    expect(parseUnitsFile(JSON.stringify([unit]))).toEqual([unit]);
    expect(parseUnitsFile(JSON.stringify({ name: 'x', units: [unit, unit] }))).toEqual([unit, unit]);
    expect(parseUnitsFile(JSON.stringify(unit))).toEqual([unit]);
  });
  test('error: an empty file or a line that is not JSON', () => {
    expect(() => parseUnitsFile('  \n')).toThrow('the units file is empty');
    expect(() => parseUnitsFile(`${JSON.stringify(unit)}\n{oops`)).toThrow('line 2 of the units file is not JSON');
  });
});
