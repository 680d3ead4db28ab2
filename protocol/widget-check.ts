/**
 * @module protocol/widget-check
 * A hand-written check of the frame's events (protocol/widget.ts) for the widget's loader, which runs on partners'
 * pages within a 5,000-byte budget (`npm run bench:size`): zod's mini API alone costs some 7,500 bytes gzipped
 * there, classic zod 26,000. It accepts exactly what the schemas accept: widget-check.test.ts holds the two against
 * each other on every event type and on mutations of every field. Free of zod; the sources are defined here so the
 * loader can import them without the schemas.
 */
import * as bounds from './error-limits.ts';
import type { WidgetEvent } from './widget.ts';

/** `source` of every message the frame posts, so a partner tells them from other frames' messages. */
export const WIDGET_SOURCE = 'terraflop-widget';
/** `source` of the partner page's requests. */
export const PARTNER_SOURCE = 'terraflop-partner';
/** The tallest the widget says it is, in CSS pixels: a frame the loader sizes never grows past it. */
export const MAX_WIDGET_HEIGHT = 2000;

type Check = (value: unknown) => boolean;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text =
  (max: number): Check =>
  (v) =>
    typeof v === 'string' && v.length <= max;
const identifier: Check = (v) => typeof v === 'string' && bounds.ERROR_IDENTIFIER.test(v);
const boolean: Check = (v) => typeof v === 'boolean';
const credit: Check = (v) => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const count: Check = (v) => Number.isSafeInteger(v) && (v as number) >= 0;

/** A strict object: only these keys, each passing its check; an optional one may be absent or undefined. */
function fields(v: unknown, shape: Record<string, Check>, optional: readonly string[] = []): boolean {
  if (!isObject(v) || Object.keys(v).some((key) => !Object.hasOwn(shape, key))) return false;
  return Object.entries(shape).every(
    ([key, check]) => (optional.includes(key) && v[key] === undefined) || check(v[key]),
  );
}

/** An array of at most `max` items, each passing `check` (holes too: they read as undefined). */
function list(v: unknown, max: number, check: Check): boolean {
  if (!Array.isArray(v) || v.length > max) return false;
  for (let i = 0; i < v.length; i++) if (!check(v[i])) return false;
  return true;
}

const detailValue: Check = (v) =>
  v === null ||
  typeof v === 'boolean' ||
  (typeof v === 'number' && Number.isFinite(v)) ||
  text(bounds.MAX_DETAIL_TEXT)(v);
const details: Check = (v) =>
  isObject(v) &&
  Object.entries(v).every(([key, value]) => bounds.ERROR_IDENTIFIER.test(key) && detailValue(value)) &&
  Object.keys(v).length <= bounds.MAX_ERROR_DETAILS;
const issue: Check = (v) => fields(v, { path: text(bounds.MAX_ISSUE_PATH), message: text(bounds.MAX_DETAIL_TEXT) });

/** protocol/errors.ts's SerializedError, with `depth` more causes allowed below. */
function serializedError(v: unknown, depth: number): boolean {
  const shape: Record<string, Check> = {
    name: identifier,
    message: text(bounds.MAX_ERROR_MESSAGE),
    details,
    issues: (i) => list(i, bounds.MAX_ERROR_ISSUES, issue),
  };
  if (depth > 0) shape['cause'] = (c) => serializedError(c, depth - 1);
  return fields(v, shape, ['details', 'issues', 'cause']);
}

/** Each event type's fields besides `source` and `type`. */
const EVENTS: Record<WidgetEvent['type'], Record<string, Check>> = {
  ready: { contributing: boolean },
  started: {},
  stopped: {},
  credit: { credit, unitsDone: count },
  size: { height: (v) => count(v) && (v as number) >= 1 && (v as number) <= MAX_WIDGET_HEIGHT },
  state: { contributing: boolean, credit: (v) => v === null || credit(v), unitsDone: count },
  error: { error: (v) => serializedError(v, bounds.MAX_CAUSE_DEPTH) },
};

/**
 * Whether `data` is one of the frame's events, exactly as protocol/widget.ts's WidgetEvent would parse it.
 * @example if (event.origin === coordinator && isWidgetEvent(event.data)) show(event.data);
 */
export function isWidgetEvent(data: unknown): data is WidgetEvent {
  if (!isObject(data) || typeof data['type'] !== 'string' || !Object.hasOwn(EVENTS, data['type'])) return false;
  const shape = EVENTS[data['type'] as WidgetEvent['type']];
  return fields(data, { source: (v) => v === WIDGET_SOURCE, type: () => true, ...shape });
}
