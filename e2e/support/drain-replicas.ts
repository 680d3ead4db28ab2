/**
 * @module e2e/support/drain-replicas
 * A second host that takes replicas every few moments and never returns them. A lone volunteer gets one replica of
 * each unit, and the demo feeder only tops up to 40 waiting replicas, so without it the volunteer runs dry once
 * those are all second replicas of its own units. It uses no CPU of the machine being measured.
 */
export async function drainSecondReplicas(base: string, everyMs = 3_000): Promise<() => void> {
  const register = await fetch(new URL('api/hosts', base), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  const { token } = (await register.json()) as { token: string };
  const take = () =>
    fetch(new URL('api/work', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ maxReplicas: 64 }),
    }).catch(() => undefined);
  const timer = setInterval(() => void take(), everyMs);
  return () => clearInterval(timer);
}
