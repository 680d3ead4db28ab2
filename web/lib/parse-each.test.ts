import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { parseEach } from './parse-each.ts';

describe('parseEach', () => {
  test('default: parses every item in order', async () => {
    expect(await parseEach(z.number().int(), [1, 2, 3])).toEqual([1, 2, 3]);
  });

  test('error: the first bad item is named by its index and path', async () => {
    await expect(parseEach(z.object({ id: z.number() }), [{ id: 1 }, { id: 'x' }])).rejects.toThrow(/^item 1: id: /);
  });
});
