/**
 * @module server/http/partner-ticket
 * A partner site's attribution only where the browser vouches for it (issue 18; docs/embedding.md). The frame's own
 * request for the widget page is the one request on which a browser says who embeds it: `Sec-Fetch-Dest: iframe`,
 * and the embedding page's origin in `Referer` (the default referrer policy sends the origin across origins). That
 * response carries a ticket: a cookie naming the origin, signed with HMAC-SHA256 and good for an hour, which the
 * browser sends back only to `POST /api/hosts`. A registration that names a partner keeps it only with a ticket for
 * that origin, from the frame's own origin (`Sec-Fetch-Site: same-origin` where the browser sends it); otherwise the
 * host is registered without a partner, and its credit counts for no site. A client that is not a browser can still
 * forge those headers: the check keeps web pages from claiming other sites, and the per-network registration limit
 * bounds scripts.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';

export const TICKET_COOKIE = 'terraflop_partner';
/** Long enough for a visitor to read the widget and opt in; a reload of the partner's page issues a new one. */
export const TICKET_MS = 3_600_000;

const mac = (secret: Buffer, origin: string, expires: number) =>
  createHmac('sha256', secret).update(`${origin}\n${expires}`).digest('base64url');

/** The embedding page's origin as the browser reported it on a frame's navigation, or undefined. */
function embeddingOrigin(c: Context): string | undefined {
  if (c.req.header('sec-fetch-dest') !== 'iframe') return undefined;
  const referrer = c.req.header('referer');
  if (!referrer || !URL.canParse(referrer)) return undefined;
  const { origin, protocol } = new URL(referrer);
  return /^https?:$/.test(protocol) ? origin : undefined;
}

/**
 * Whether browsers take a Secure cookie from this response: sent over TLS (directly, or as the load balancer says),
 * or from a loopback host, which browsers treat as secure (a coordinator on a developer's machine, the e2e specs).
 */
function secureContext(c: Context): boolean {
  const url = new URL(c.req.url);
  if (url.protocol === 'https:' || c.req.header('x-forwarded-proto') === 'https') return true;
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}

export class PartnerTickets {
  readonly #secret: Buffer;

  /**
   * `secret`: shared by every coordinator behind one load balancer (TERRAFLOP_PARTNER_SECRET), or a ticket issued by
   * one is refused by the others; random when absent (one coordinator).
   * @example const tickets = new PartnerTickets(config.TERRAFLOP_PARTNER_SECRET);
   */
  constructor(secret?: string) {
    this.#secret = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
  }

  /** Middleware for the widget page: after it is served into a frame, sets the ticket for the embedding origin. */
  issue(now: () => number = Date.now): MiddlewareHandler {
    return async (c, next) => {
      await next();
      const origin = embeddingOrigin(c);
      if (!origin || c.res.status !== 200) return;
      // Across sites the frame's cookies are third-party: partitioned by the embedding site (CHIPS), which needs
      // Secure. Over plain HTTP to a public host only a same-site partner can be vouched for.
      const attributes = secureContext(c)
        ? ({ secure: true, sameSite: 'None', partitioned: true } as const)
        : ({ sameSite: 'Lax' } as const);
      setCookie(c, TICKET_COOKIE, this.ticket(origin, now()), {
        path: '/api/hosts',
        httpOnly: true,
        maxAge: TICKET_MS / 1000,
        ...attributes,
      });
    };
  }

  /** The ticket for `origin`, issued at `now`: the cookie's value. */
  ticket(origin: string, now: number): string {
    const expires = now + TICKET_MS;
    return `${Buffer.from(origin).toString('base64url')}.${expires}.${mac(this.#secret, origin, expires)}`;
  }

  /** Whether this registration request carries a valid ticket for `partner`, sent by the frame's own origin. */
  vouchesFor(c: Context, partner: string, now = Date.now()): boolean {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin') return false;
    const [encoded, expiresText, signature] = (getCookie(c, TICKET_COOKIE) ?? '').split('.');
    if (!encoded || !expiresText || !signature) return false;
    const origin = Buffer.from(encoded, 'base64url').toString('utf8');
    const expires = Number(expiresText);
    if (origin !== partner || !Number.isSafeInteger(expires) || expires <= now) return false;
    const expected = Buffer.from(mac(this.#secret, origin, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
