/**
 * @module web/widget/messages
 * The widget's postMessage API to the partner page: events out (ready, started, stopped, credit, size), sent only to
 * the embedding origin, and the one request the frame answers (state). Nothing a partner page sends can start
 * computing.
 */

export const WIDGET_SOURCE = 'terraflop-widget';
export const PARTNER_SOURCE = 'terraflop-partner';

/** What the frame tells the partner page. `contributing`: the visitor has opted in on this site. */
export type WidgetEvent =
  | { source: typeof WIDGET_SOURCE; type: 'ready'; contributing: boolean }
  | { source: typeof WIDGET_SOURCE; type: 'started' }
  | { source: typeof WIDGET_SOURCE; type: 'stopped' }
  | { source: typeof WIDGET_SOURCE; type: 'credit'; credit: number; unitsDone: number }
  /** The frame's content height in CSS pixels, so the loader sizes the iframe to fit (web/embed/loader.ts). */
  | { source: typeof WIDGET_SOURCE; type: 'size'; height: number }
  | { source: typeof WIDGET_SOURCE; type: 'state'; contributing: boolean; credit: number | null; unitsDone: number };

/** What a partner page may ask; anything else is ignored. */
export type PartnerRequest = { source: typeof PARTNER_SOURCE; type: 'state' };

/**
 * The partner's request in a message, or why it is not one. Only messages from the embedding origin count.
 * @example parsePartnerRequest({ source: 'terraflop-partner', type: 'state' }, o, o) // { ok: true, … }
 */
export function parsePartnerRequest(
  data: unknown,
  origin: string,
  partner: string | null,
): { ok: true; request: PartnerRequest } | { ok: false; reason: string } {
  if (partner === null || origin !== partner)
    return { ok: false, reason: `message from ${origin}, not the embedding page's origin` };
  if (typeof data !== 'object' || data === null || (data as { source?: unknown }).source !== PARTNER_SOURCE) {
    return { ok: false, reason: `not a Terraflop request (source must be "${PARTNER_SOURCE}")` };
  }
  const type = (data as { type?: unknown }).type;
  if (type === 'state') return { ok: true, request: { source: PARTNER_SOURCE, type } };
  return {
    ok: false,
    reason:
      `unknown request type ${JSON.stringify(type)}: a partner page may only ask for "state"; ` +
      "computing starts only on the visitor's click",
  };
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
