/**
 * @module protocol/widget
 * The widget's postMessage API between its frame (web/widget/, on the coordinator's origin) and the partner page
 * (the loader, web/embed/, or the partner's own script): the events the frame posts, only ever to the embedding
 * origin, among them its errors; and the one request the frame answers. Nothing a partner page sends can start
 * computing. The loader cannot afford zod and checks events with protocol/widget-check.ts, its hand-written twin,
 * which is tested against these schemas; the frame loads these on the first request a partner sends.
 */
import { z } from 'zod';
import { SerializedError } from './errors.ts';
import { MAX_WIDGET_HEIGHT, PARTNER_SOURCE, WIDGET_SOURCE } from './widget-check.ts';

const source = z.literal(WIDGET_SOURCE);
const unitsDone = z.int().min(0);
/** Granted credit, in cobblestones. */
const credit = z.number().min(0);

export const WidgetEvent = z.discriminatedUnion('type', [
  /** The frame has loaded; `contributing`: the visitor opted in on this site earlier. */
  z.strictObject({ source, type: z.literal('ready'), contributing: z.boolean() }),
  /** Computing started on the visitor's click, or resumed from an earlier opt-in. */
  z.strictObject({ source, type: z.literal('started') }),
  /** The visitor pressed stop: the opt-in is withdrawn, every worker ended. */
  z.strictObject({ source, type: z.literal('stopped') }),
  /** The host's granted credit or its finished work units changed. */
  z.strictObject({ source, type: z.literal('credit'), credit, unitsDone }),
  /** The widget's content changed height, in CSS pixels: the loader sizes its frame to it. */
  z.strictObject({ source, type: z.literal('size'), height: z.int().min(1).max(MAX_WIDGET_HEIGHT) }),
  /** The answer to a state request. */
  z.strictObject({
    source,
    type: z.literal('state'),
    contributing: z.boolean(),
    credit: z.nullable(credit),
    unitsDone,
  }),
  /**
   * Something went wrong, in the protocol's error shape: the widget could not start (WidgetStartError), may not store
   * anything here (StorageBlockedError), was given bad options (EmbedOptionsError), or a failure while computing,
   * which it retries on its own (a NetworkError, a WorkerCrashError, ...).
   */
  z.strictObject({ source, type: z.literal('error'), error: SerializedError }),
]);
export type WidgetEvent = z.infer<typeof WidgetEvent>;
export type WidgetEventType = WidgetEvent['type'];

/** What a partner page may ask: the widget's state. Anything else is ignored. */
export const PartnerRequest = z.strictObject({ source: z.literal(PARTNER_SOURCE), type: z.literal('state') });
export type PartnerRequest = z.infer<typeof PartnerRequest>;
