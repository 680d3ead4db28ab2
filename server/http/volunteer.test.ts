import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { privateKeyToAccount } from 'viem/accounts';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { linkMessage, Volunteer } from '../../protocol/volunteer.ts';
import type { Coordinator } from '../coordinator.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { tinyUnits } from '../testing/tiny-units.ts';

// Anvil's first two well-known development keys: public test accounts, never funded anywhere real.
const ALICE = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80');
const MALLORY = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d');

let running: TestCoordinator;
let coordinator: Coordinator;

beforeAll(async () => {
  running = await startTestCoordinator();
  coordinator = running.coordinator;
});
afterAll(() => running.close());

const json = async (res: Response) => ({ status: res.status, body: (await res.json()) as Record<string, unknown> });

describe('volunteer accounts', () => {
  test('default: a second host joins its volunteer with a code from the first', async () => {
    const laptop = await SimHost.register(coordinator.url, { volunteerName: 'Ada' });
    const phone = await SimHost.register(coordinator.url);
    const { body: code } = await json(await laptop.call('POST', 'api/volunteer/link-code'));
    const joined = Volunteer.parse(
      (await json(await phone.call('POST', 'api/volunteer/join', { code: code['code'] }))).body,
    );
    expect(joined).toMatchObject({ volunteerId: laptop.identity.volunteerId, name: 'Ada', hosts: 2 });
    expect((await phone.status()).volunteerName).toBe('Ada');
    // A code works once.
    const again = await json(
      await (await SimHost.register(coordinator.url)).call('POST', 'api/volunteer/join', { code: code['code'] }),
    );
    expect(again.status).toBe(400);
    expect(String((again.body['error'] as { message: string }).message)).toMatch(/unknown, used or expired/);
  });

  test('behavior: a link code cannot move units already held; it can once they are decided', async () => {
    await coordinator.stores.work.createBatch({
      app: 'signal-search',
      name: 'held',
      units: tinyUnits(1),
      now: Date.now(),
    });
    const [ada, mallory, sybil] = await Promise.all([
      SimHost.register(coordinator.url),
      SimHost.register(coordinator.url),
      SimHost.register(coordinator.url),
    ]);
    // Both of the unit's replicas out, to two volunteers; then one host tries to join the other's volunteer.
    const [a] = await ada.requestWork(1);
    const [m] = await mallory.requestWork(1);
    expect(m!.input).toEqual(a!.input);
    const { body: code } = await json(await ada.call('POST', 'api/volunteer/link-code'));
    const refused = await json(await mallory.call('POST', 'api/volunteer/join', { code: code['code'] }));
    expect(refused.status).toBe(409);
    expect(refused.body['error']).toMatchObject({ name: 'HostHoldsUnitsError' });
    expect((await mallory.status()).volunteerId).toBe(mallory.identity.volunteerId);
    // Reported but undecided still counts as held; decided, it no longer does, and the same code still works.
    await mallory.report([mallory.compute(m!)]);
    expect((await json(await mallory.call('POST', 'api/volunteer/join', { code: code['code'] }))).status).toBe(409);
    await ada.report([ada.compute(a!)]);
    await eventually(async () => (await mallory.status()).results.valid === 1);
    const joined = await json(await mallory.call('POST', 'api/volunteer/join', { code: code['code'] }));
    expect(joined.body).toMatchObject({ volunteerId: ada.identity.volunteerId });
    expect((await json(await sybil.call('POST', 'api/volunteer/join', { code: code['code'] }))).status).toBe(400);
  });

  test('default: an address is linked with its own signature, and only once', async () => {
    const host = await SimHost.register(coordinator.url);
    const message = linkMessage(host.identity.volunteerId, ALICE.address);
    const signature = await ALICE.signMessage({ message });
    const linked = await json(await host.call('POST', 'api/volunteer/address', { address: ALICE.address, signature }));
    expect(linked.body['address']).toBe(ALICE.address.toLowerCase());

    const other = await SimHost.register(coordinator.url);
    const sig2 = await ALICE.signMessage({ message: linkMessage(other.identity.volunteerId, ALICE.address) });
    const taken = await json(
      await other.call('POST', 'api/volunteer/address', { address: ALICE.address, signature: sig2 }),
    );
    expect(taken.status).toBe(409);
  });

  test('error: a signature from another key, or for another volunteer, links nothing', async () => {
    const host = await SimHost.register(coordinator.url);
    const forged = await MALLORY.signMessage({ message: linkMessage(host.identity.volunteerId, ALICE.address) });
    const res = await json(
      await host.call('POST', 'api/volunteer/address', { address: ALICE.address, signature: forged }),
    );
    expect(res.status).toBe(400);
    expect(String((res.body['error'] as { message: string }).message)).toMatch(/is not 0x/);
    const replayed = await MALLORY.signMessage({
      message: linkMessage(host.identity.volunteerId + 1, MALLORY.address),
    });
    expect(
      (await host.call('POST', 'api/volunteer/address', { address: MALLORY.address, signature: replayed })).status,
    ).toBe(400);
    expect((await json(await host.call('GET', 'api/volunteer'))).body['address']).toBeNull();
    expect((await host.call('PUT', 'api/volunteer/name', { name: '' })).status).toBe(400);
  });
});
