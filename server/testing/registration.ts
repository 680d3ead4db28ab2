/**
 * @module server/testing/registration
 * For tests of the API through `app.request` (no sockets): an easy registration proof of work, and the challenge
 * the API hands out. Clients over HTTP use registrationProof (server/testing/sim-host.ts).
 */
import { RegistrationChallenge } from '../../protocol/registration-proof.ts';
import type { RegistrationPricing } from '../http/registration-challenges.ts';

/** A difficulty of a few hashes, with a secret of the test's own. */
export const EASY_REGISTRATION: RegistrationPricing = { secret: 'a test secret, not a real one', bits: 4 };

/** A challenge from `api` (createApi's app), parsed. */
export async function challengeOf(api: { request(path: string): Response | Promise<Response> }) {
  return RegistrationChallenge.parse(await (await api.request('/hosts/challenge')).json());
}
