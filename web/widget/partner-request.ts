/**
 * @module web/widget/partner-request
 * The one request a partner page may send the frame (protocol/widget.ts's PartnerRequest), parsed with the
 * protocol's schema, and only from the embedding origin. Loaded on the first message, so a frame no partner asks
 * anything downloads no zod before its visitor opts in. Nothing a partner page sends can start computing.
 */
import { PartnerRequest } from '../../protocol/widget.ts';
import { PARTNER_SOURCE } from '../../protocol/widget-check.ts';

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
  const parsed = PartnerRequest.safeParse(data);
  if (parsed.success) return { ok: true, request: parsed.data };
  const { source, type } = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : {};
  if (source !== PARTNER_SOURCE)
    return { ok: false, reason: `not a Terraflop request (source must be "${PARTNER_SOURCE}")` };
  if (type !== 'state') {
    return {
      ok: false,
      reason:
        `unknown request type ${JSON.stringify(type)}: a partner page may only ask for "state"; ` +
        "computing starts only on the visitor's click",
    };
  }
  const extra = parsed.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
  return { ok: false, reason: `a state request has no other fields; this one has ${extra.join(', ')}` };
}
