/**
 * @module web/widget/messages
 * The frame's events to the partner page (protocol/widget.ts), each checked before it is posted, and only to the
 * embedding origin. The check is widget-check's, the schemas' zod-free twin, as in the loader: the frame loads zod
 * only when a partner sends a request (partner-request.ts), or after its visitor opts in.
 */
import { serializeError } from '../../protocol/error-wire.ts';
import type { WidgetEvent } from '../../protocol/widget.ts';
import { isWidgetEvent, WIDGET_SOURCE } from '../../protocol/widget-check.ts';

/** An event as the frame composes it: the protocol's, without the source every event carries. */
export type Outgoing = WidgetEvent extends infer E ? (E extends WidgetEvent ? Omit<E, 'source'> : never) : never;

/**
 * Posts an event to the embedding page, checked against the protocol first; the target origin is the page's own, so
 * no other page (nor one navigated in its place) reads it.
 */
export function postToPartner(partner: string, event: Outgoing, target: Pick<Window, 'postMessage'> = parent): void {
  const message = { source: WIDGET_SOURCE, ...event };
  if (!isWidgetEvent(message)) throw new TypeError(`the widget may not post ${JSON.stringify(message)}`);
  target.postMessage(message, partner);
}

/** Tells the embedding page what went wrong, in the protocol's error shape. */
export function postErrorToPartner(partner: string, error: unknown, target?: Pick<Window, 'postMessage'>): void {
  postToPartner(partner, { type: 'error', error: serializeError(error) }, target);
}

/** The embedding page's origin: the parent's, as the browser reports it; null when not framed or opaque. */
export function embeddingOrigin(win: Window = window): string | null {
  if (win.parent === win) return null;
  const fromAncestors = win.location.ancestorOrigins?.[0];
  const candidate = fromAncestors ?? (win.document.referrer ? safeOrigin(win.document.referrer) : null);
  return candidate && candidate !== 'null' ? candidate : null;
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
