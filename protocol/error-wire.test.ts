import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BaseError, errorNamed, walk } from './base-error.ts';
import { MAX_CAUSE_DEPTH, MAX_ERROR_DETAILS, MAX_ERROR_MESSAGE } from './error-limits.ts';
import { serializeError } from './error-wire.ts';
import { RemoteError, reviveError, UnreadableError } from './remote-error.ts';
import { ApiErrorBody, SerializedError } from './errors.ts';

class QuotaError extends BaseError {
  override name = 'QuotaError' as const;
  constructor(used: number, options: { cause?: unknown } = {}) {
    super(`quota used up (${used} units)`, { ...options, details: { used, hard: true } });
  }
}

/** Through JSON, as every boundary but structured clone carries it: no class survives, only the shape. */
const across = (error: unknown) => reviveError(JSON.parse(JSON.stringify(serializeError(error))));

describe('serialised errors', () => {
  test('default: name, message, details and the cause chain survive the trip', () => {
    const error = new QuotaError(12, { cause: new TypeError('disk full', { cause: new RangeError('too far') }) });
    const revived = across(error);
    expect(revived).toBeInstanceOf(RemoteError);
    expect(revived).toBeInstanceOf(BaseError);
    expect(revived).toMatchObject({ name: 'QuotaError', message: 'quota used up (12 units)' });
    expect(revived.details).toEqual({ used: 12, hard: true });
    expect(revived.cause).toMatchObject({ name: 'TypeError', message: 'disk full' });
    expect((revived.cause as Error).cause).toMatchObject({ name: 'RangeError', message: 'too far' });
    expect(errorNamed(revived, 'RangeError')?.message).toBe('too far');
    expect(walk(revived)).toBe((revived.cause as Error).cause);
  });

  test('behavior: a schema failure carries its issues and says them in its message', () => {
    const failure = z.strictObject({ size: z.number().int() }).safeParse({ size: 1.5, extra: 1 });
    const wire = serializeError(failure.error);
    expect(wire.name).toBe('ZodError');
    expect(wire.issues).toEqual([
      { path: 'size', message: expect.stringContaining('int') },
      { path: '(root)', message: expect.stringContaining('extra') },
    ]);
    expect(wire.message).toContain('size: ');
    expect(across(failure.error).issues).toEqual(wire.issues);
  });

  test('behavior: anything thrown comes out in bounds, so the receiver always parses it', () => {
    const details = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, i]));
    let deep: Error = new Error('bottom');
    for (let i = 0; i < 10; i++) deep = new Error(`level ${i}`, { cause: deep });
    const strange = [
      'a string',
      42,
      null,
      { message: 'error-like', name: 'Has Spaces' },
      new BaseError('x'.repeat(10_000), { details: { ...details, inf: Infinity, 'bad key': 1 } }),
      deep,
    ];
    for (const thrown of strange) expect(SerializedError.safeParse(serializeError(thrown)).success).toBe(true);
    const big = serializeError(strange[4]);
    expect(big.message).toHaveLength(MAX_ERROR_MESSAGE);
    expect(Object.keys(big.details ?? {})).toHaveLength(MAX_ERROR_DETAILS);
    expect(serializeError({ message: 'm', name: 'Has Spaces' }).name).toBe('Error');
    expect(serializeError(new BaseError('n', { details: { inf: -Infinity } })).details).toEqual({ inf: null });
    let depth = 0;
    for (let e = serializeError(deep).cause; e; e = e.cause) depth++;
    expect(depth).toBe(MAX_CAUSE_DEPTH);
  });

  test("behavior: 'own' causes stop at the first foreign error, which stays on the sender's side", () => {
    const error = new QuotaError(1, { cause: new QuotaError(2, { cause: new Error('SQLITE_BUSY at /var/db') }) });
    const wire = serializeError(error, { causes: 'own' });
    expect(wire.cause?.name).toBe('QuotaError');
    expect(wire.cause?.cause).toBeUndefined();
  });

  test('error: a malformed error, or one nested past the bound, revives as an UnreadableError naming it', () => {
    const bad = reviveError({ name: 'no spaces allowed', message: 1 });
    expect(bad).toBeInstanceOf(UnreadableError);
    expect(bad.issues?.map((i) => i.path)).toEqual(['name', 'message']);
    let nested: SerializedError = { name: 'E', message: 'bottom' };
    for (let i = 0; i <= MAX_CAUSE_DEPTH; i++) nested = { name: 'E', message: `${i}`, cause: nested };
    expect(reviveError(nested)).toBeInstanceOf(UnreadableError);
    expect(ApiErrorBody.safeParse({ error: nested }).success).toBe(false);
  });
});

describe('BaseError', () => {
  test('default: the message is the short message and its meta lines; walk finds a cause by predicate', () => {
    const error = new BaseError('short', { metaMessages: ['try again'], cause: new QuotaError(3) });
    expect(error.message).toBe('short\ntry again');
    expect(error.shortMessage).toBe('short');
    expect(error.walk((e) => e instanceof QuotaError)).toBe(error.cause);
    expect(error.walk((e) => e instanceof TypeError)).toBeNull();
    expect(errorNamed(error, 'GpuError')).toBeUndefined();
  });

  test('behavior: a cause cycle does not hang walk', () => {
    const a = new BaseError('a');
    const b = new BaseError('b', { cause: a });
    Object.defineProperty(a, 'cause', { value: b });
    expect(walk(a, () => false)).toBeNull();
  });
});
