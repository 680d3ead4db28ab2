/**
 * @module server/http/volunteer
 * A volunteer's account, reached through any of their hosts: rename it, link hosts with a short-lived code, and
 * link an Ethereum address proven by a signature from it.
 */
import { createHash, randomInt } from 'node:crypto';
import { Hono } from 'hono';
import { verifyMessage } from 'viem';
import {
  LINK_CODE_TTL_MS,
  LinkAddress,
  LinkCode,
  linkMessage,
  RenameVolunteer,
  Volunteer,
} from '../../protocol/volunteer.ts';
import type { Store } from '../store/store.ts';
import { requireHost, type HostEnv } from './auth.ts';
import { ApiError } from './errors.ts';
import { limitBody, SMALL_BODY_BYTES } from './edge.ts';
import { parseBody } from './parse.ts';
import type { RateLimiter } from './rate-limit.ts';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
const hash = (code: string) => createHash('sha256').update(code).digest('hex');

export class InvalidSignatureError extends ApiError {
  override name = 'InvalidSignatureError' as const;
  constructor(address: string, message: string) {
    super(400, `signature is not ${address}'s signature of "${message}"`, { details: { address } });
  }
}

export class InvalidLinkError extends ApiError {
  override name = 'InvalidLinkError' as const;
  constructor() {
    super(400, 'link code is unknown, used or expired; ask one of your hosts for a new one');
  }
}

export class AddressTakenError extends ApiError {
  override name = 'AddressTakenError' as const;
  constructor(address: string) {
    super(409, `address ${address} is already linked to another volunteer`);
  }
}

export function volunteerRoutes(store: Store, limiter?: RateLimiter) {
  const account = async (volunteerId: number) => Volunteer.parse(await store.volunteer(volunteerId));
  return new Hono<HostEnv>()
    .use(limitBody(SMALL_BODY_BYTES))
    .use(requireHost(store, limiter))
    .get('/', async (c) => c.json(await account(c.get('host').volunteerId)))
    .put('/name', async (c) => {
      const { name } = await parseBody(c, RenameVolunteer, 'volunteer name');
      await store.renameVolunteer(c.get('host').volunteerId, name);
      return c.json(await account(c.get('host').volunteerId));
    })
    .post('/address', async (c) => {
      const { address, signature } = await parseBody(c, LinkAddress, 'address link');
      const { volunteerId } = c.get('host');
      const message = linkMessage(volunteerId, address);
      const valid = await verifyMessage({
        address: address as `0x${string}`,
        message,
        signature: signature as `0x${string}`,
      }).catch(() => false);
      if (!valid) throw new InvalidSignatureError(address, message);
      if (!(await store.setVolunteerAddress(volunteerId, address))) throw new AddressTakenError(address);
      return c.json(await account(volunteerId));
    })
    .post('/link-code', async (c) => {
      const code = Array.from({ length: 8 }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
      const expiresAt = Date.now() + LINK_CODE_TTL_MS;
      await store.createLinkCode(c.get('host').volunteerId, hash(code), expiresAt);
      return c.json(LinkCode.parse({ code, expiresAt }), 201);
    })
    .post('/join', async (c) => {
      const { code } = await parseBody(c, LinkCode.pick({ code: true }), 'link code');
      const volunteerId = await store.redeemLinkCode(c.get('host').id, hash(code), Date.now());
      if (volunteerId === undefined) throw new InvalidLinkError();
      return c.json(await account(volunteerId));
    });
}
