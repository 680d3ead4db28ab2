/**
 * @module e2e/support/drain-replicas
 * A second host that takes replicas every few moments and never returns them. A lone volunteer gets one replica of
 * each unit, and the demo feeder only tops up to 40 waiting replicas, so without it the volunteer runs dry once
 * those are all second replicas of its own units. It uses no CPU of the machine being measured.
 */
import { registrationProof } from '../../server/testing/sim-host.ts';

export async function drainSecondReplicas(base: string, everyMs = 3_000): Promise<() => void> {
  // A network other than the page's (loopback), through the trusted loopback proxy, or no unit could go to both.
  const forwarded = { 'x-forwarded-for': '192.0.2.77' };
  const register = await fetch(new URL('api/hosts', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...forwarded },
    body: JSON.stringify({ proof: await registrationProof(base, forwarded) }),
  });
  const { token } = (await register.json()) as { token: string };
  const take = () =>
    fetch(new URL('api/work', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...forwarded },
      body: JSON.stringify({ maxReplicas: 64 }),
    }).catch(() => undefined);
  const timer = setInterval(() => void take(), everyMs);
  return () => clearInterval(timer);
}
