import { describe, expect, test } from 'vitest';
import * as bounds from './error-limits.ts';
import type { SerializedError } from './errors.ts';
import { isWidgetEvent } from './widget-check.ts';
import { WidgetEvent } from './widget.ts';

const source = 'terraflop-widget';
const chain = (depth: number): SerializedError =>
  depth === 0 ? { name: 'Bottom', message: 'b' } : { name: `E${depth}`, message: 'm', cause: chain(depth - 1) };
const full: SerializedError = {
  name: 'CustomAppError',
  message: 'x'.repeat(bounds.MAX_ERROR_MESSAGE),
  details: { timedOut: true, computedMs: 12.5, note: 'y'.repeat(bounds.MAX_DETAIL_TEXT), gone: null },
  issues: [{ path: 'a'.repeat(bounds.MAX_ISSUE_PATH), message: 'i' }],
  cause: chain(bounds.MAX_CAUSE_DEPTH - 1),
};

/** One valid event of each type, and of each shape an error may take. */
const VALID: unknown[] = [
  { source, type: 'ready', contributing: true },
  { source, type: 'started' },
  { source, type: 'stopped' },
  { source, type: 'credit', credit: 12.5, unitsDone: 3 },
  { source, type: 'size', height: 1 },
  { source, type: 'size', height: 2000 },
  { source, type: 'state', contributing: false, credit: null, unitsDone: 0 },
  { source, type: 'state', contributing: true, credit: 0, unitsDone: Number.MAX_SAFE_INTEGER },
  { source, type: 'error', error: { name: 'StorageBlockedError', message: '' } },
  { source, type: 'error', error: full },
  {
    source,
    type: 'error',
    error: {
      name: `N${'a'.repeat(63)}`,
      message: 'm',
      details: Object.fromEntries(Array.from({ length: bounds.MAX_ERROR_DETAILS }, (_, i) => [`k${i}`, i])),
      issues: Array.from({ length: bounds.MAX_ERROR_ISSUES }, () => ({ path: '(root)', message: 'p' })),
    },
  },
];

/** Values a field may be set to: every type, and each one just past a bound. */
const ODD: unknown[] = [
  undefined,
  null,
  true,
  0,
  -1,
  1.5,
  2001,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  2 ** 53,
  '',
  'bad name',
  'x'.repeat(bounds.MAX_ERROR_MESSAGE + 1),
  'y'.repeat(bounds.MAX_DETAIL_TEXT + 1),
  `N${'a'.repeat(64)}`,
  {},
  [],
  [undefined],
  { name: 'E', message: 'm' },
  chain(bounds.MAX_CAUSE_DEPTH),
  source,
  'ready',
  Object.fromEntries(Array.from({ length: bounds.MAX_ERROR_DETAILS + 1 }, (_, i) => [`k${i}`, i])),
  Array.from({ length: bounds.MAX_ERROR_ISSUES + 1 }, () => ({ path: 'p', message: 'm' })),
  { 'bad key': 1 },
];

type Path = (string | number)[];
const DELETE = Symbol('delete');

/** Every path in `value` to an object's key or an array's item. */
function paths(value: unknown, at: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  const keys = Array.isArray(value) ? value.map((_, i) => i) : Object.keys(value);
  return keys.flatMap((k) => [[...at, k], ...paths((value as Record<string | number, unknown>)[k], [...at, k])]);
}

/** A copy of `value` with the thing at `path` replaced (or deleted, or an extra key added beside it). */
function changed(value: unknown, path: Path, to: unknown): unknown {
  const copy = structuredClone(value) as Record<string | number, unknown>;
  let parent = copy;
  for (const k of path.slice(0, -1)) parent = parent[k] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if (to === DELETE) delete parent[last];
  else parent[last] = to;
  return copy;
}

function corpus(): unknown[] {
  const all: unknown[] = [...VALID, null, 'ready', [], { source, type: 'start' }, { source: 'other', type: 'started' }];
  for (const valid of VALID) {
    all.push(changed(valid, ['extra'], 1));
    for (const path of paths(valid)) {
      all.push(changed(valid, path, DELETE));
      for (const odd of ODD) all.push(changed(valid, path, odd));
      if (typeof path.at(-1) === 'string') all.push(changed(valid, [...path.slice(0, -1), 'extra'], 1));
    }
  }
  return all;
}

describe("the loader's hand-written check", () => {
  test('behavior: it accepts exactly what the WidgetEvent schema accepts, on every field of every event', () => {
    const cases = corpus();
    const disagreements = cases.filter((c) => isWidgetEvent(c) !== WidgetEvent.safeParse(c).success);
    expect(disagreements.map((c) => JSON.stringify(c, (_, v) => (v === undefined ? '<undefined>' : v)))).toEqual([]);
    // The corpus has many of each verdict, so agreement is not the same answer every time.
    const accepted = cases.filter(isWidgetEvent).length;
    expect(accepted).toBeGreaterThan(50);
    expect(cases.length - accepted).toBeGreaterThan(1000);
  });

  test('default: every valid event passes, and a bad one does not', () => {
    for (const event of VALID) expect(isWidgetEvent(event)).toBe(true);
    expect(isWidgetEvent({ source, type: 'credit', credit: -1, unitsDone: 1 })).toBe(false);
    expect(isWidgetEvent({ source, type: 'error', error: chain(bounds.MAX_CAUSE_DEPTH + 1) })).toBe(false);
  });
});
