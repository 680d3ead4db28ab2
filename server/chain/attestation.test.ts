import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import type { Hex } from 'viem';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { copAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { loadConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../coordinator.ts';
import { AppInput, AppOutput } from '../../protocol/apps.ts';
import { ATTESTATION_TYPES, AttestationDuty, attestationDomain, ClaimInfo, EpochSample } from '../../protocol/chain.ts';
import { compareOutputs, runReference } from '../../worker-kernels/registry.ts';
import { SAMPLE_UNITS } from '../http/attestation.ts';
import { linkMessage } from '../../protocol/volunteer.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { chainClients } from './clients.ts';
import { DEV_KEYS } from './testing.ts';

// The coordinator on its embedded chain, with a challenge window of an hour: only its drawn attesters can make the
// epoch final in this test. Two volunteers compute, link keys of their own (as their pages do), and act as their
// pages' attesters over real HTTP; a stranger and a volunteer who is not drawn try to count too.
const dir = mkdtempSync(join(tmpdir(), 'terraflop-attest-'));
let c: Coordinator | undefined;
afterAll(async () => {
  await c?.close();
  rmSync(dir, { recursive: true, force: true });
});

const noContext = { progress() {}, checkpoint() {} };

const post = (path: string, body: unknown) =>
  fetch(new URL(path, c!.url), {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('attesters over HTTP make the epoch final', () => {
  test('default: the drawn volunteers sign, the coordinator relays, the epoch is final, a claim pays', async () => {
    c = await startCoordinator(
      loadConfig({
        TERRAFLOP_DATA: dir,
        TERRAFLOP_PORT: '0',
        TERRAFLOP_DEMO: 'off',
        TERRAFLOP_REGISTRATION_WORK_BITS: '4', // simulated hosts solve an easy proof of work
        TERRAFLOP_WEB: dir,
        TERRAFLOP_PASS_INTERVAL_MS: '20',
        TERRAFLOP_SIBLING_WAIT_S: '0', // its hosts pair up on units at once
        TERRAFLOP_SETTLING_S: '0',
        TERRAFLOP_TRUSTED_PROXIES: '127.0.0.1, ::1', // simulated hosts forward networks of their own
        TERRAFLOP_EPOCH_INTERVAL_S: '1',
        TERRAFLOP_CHALLENGE_WINDOW_S: '3600',
      }),
    );
    const coordinator = c;
    const { ledger, chainId } = coordinator.chain!.deployment;
    await coordinator.stores.work.createBatch({
      app: 'signal-search',
      name: 'a',
      units: tinyUnits(2),
      now: Date.now(),
    });
    const keys = [generatePrivateKey(), generatePrivateKey()].map((k) => privateKeyToAccount(k));
    const hosts = await Promise.all(
      ['alice', 'bob'].map((volunteerName) => SimHost.register(coordinator.url, { volunteerName })),
    );
    for (const [i, host] of hosts.entries()) {
      const account = keys[i]!;
      const signature = await account.signMessage({ message: linkMessage(host.identity.volunteerId, account.address) });
      expect((await host.call('POST', '/api/volunteer/address', { address: account.address, signature })).status).toBe(
        200,
      );
    }
    for (let round = 0; round < 4; round++) await Promise.all(hosts.map((h) => h.cycle(10)));

    // The epoch is proposed, then its draw is known once the seed block is past (the pass mines it on anvil).
    const duties = await eventually(async () => {
      const got = await Promise.all(
        keys.map(async (k) =>
          AttestationDuty.parse(
            await (await fetch(new URL(`api/chain/attestation/${k.address}`, coordinator.url))).json(),
          ),
        ),
      );
      return got[0]!.epoch > 0 && got.every((d) => d.epoch === got[0]!.epoch) && got;
    }, 30_000);
    const epoch = duties[0]!.epoch;
    // The sample the drawn pages re-execute: canonical results of this epoch's work, chosen by its seed, each one
    // what an honest device computes (the app's comparator says so).
    const sample = EpochSample.parse(
      await (await fetch(new URL(`api/epochs/${epoch}/sample`, coordinator.url))).json(),
    );
    expect(sample.units.length).toBeGreaterThan(0);
    expect(sample.units.length).toBeLessThanOrEqual(SAMPLE_UNITS);
    for (const unit of sample.units) {
      const job = AppInput.parse({ app: unit.app, input: unit.input });
      const published = AppOutput.parse({ app: unit.app, output: unit.output });
      expect(compareOutputs(job, published, runReference(job, noContext))).toBe('match');
    }
    const again = EpochSample.parse(await (await fetch(new URL(`api/epochs/${epoch}/sample`, coordinator.url))).json());
    expect(again).toEqual(sample);
    const early = await fetch(new URL(`api/epochs/${epoch + 1}/sample`, coordinator.url));
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { name: string } }).error.name).toBe('NotAttestableError');
    // Two volunteers share all seven slots between them.
    expect(duties.flatMap((d) => d.slots).sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
    const sign = (i: number, agree = true, k = keys[i]!) =>
      k.signTypedData({
        domain: attestationDomain(chainId, ledger),
        types: ATTESTATION_TYPES,
        primaryType: 'Attestation',
        message: {
          epoch: BigInt(epoch),
          root: duties[0]!.root as Hex,
          fileHash: duties[0]!.fileHash as Hex,
          totalCredit: BigInt(duties[0]!.totalCredit),
          totalWeight: BigInt(duties[0]!.totalWeight),
          previousFileHash: (duties[0]!.previousFileHash ?? `0x${'0'.repeat(64)}`) as Hex,
          agree,
        },
      });

    // A stranger's signature is refused and queues nothing; so is garbage.
    const stranger = privateKeyToAccount(generatePrivateKey());
    const refused = await post('api/chain/attestations', {
      epoch,
      agree: false,
      signature: await sign(0, false, stranger),
    });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { name: string } }).error.name).toBe('NotDrawnError');
    expect((await post('api/chain/attestations', { epoch, agree: true, signature: '0x12' })).status).toBe(400);
    expect((await coordinator.stores.chain.attestations(ledger, epoch)).length).toBe(0);

    // Each drawn volunteer's page signs once; the coordinator records one row per slot it holds and relays them.
    for (const [i, d] of duties.entries()) {
      if (d.slots.length === 0) continue;
      const res = await post('api/chain/attestations', { epoch, agree: true, signature: await sign(i) });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ epoch, signer: keys[i]!.address, slots: d.slots });
    }
    const wallet = chainClients({ rpcUrl: coordinator.chain!.rpcUrl, chainId, privateKey: DEV_KEYS[1]! });
    await eventually(async () => {
      const e = await wallet.publicClient.readContract({
        address: ledger,
        abi: creditLedgerAbi,
        functionName: 'epochs',
        args: [BigInt(epoch)],
      });
      return e.status === 2;
    }, 30_000);
    // Final through its attesters, an hour before its window ends; the mirror follows and the claim is offered.
    const claim = await eventually(async () => {
      const info = ClaimInfo.parse(
        await (await fetch(new URL(`api/chain/claims/${keys[0]!.address}`, coordinator.url))).json(),
      );
      return info.epoch === epoch && info.tx !== null && info;
    }, 20_000);
    const hash = await wallet.walletClient.sendTransaction({ to: claim.tx!.to as Hex, data: claim.tx!.data as Hex });
    expect((await wallet.publicClient.waitForTransactionReceipt({ hash })).status).toBe('success');
    const balance = await wallet.publicClient.readContract({
      address: coordinator.chain!.deployment.cop,
      abi: copAbi,
      functionName: 'balanceOf',
      args: [keys[0]!.address],
    });
    // The credit claimed, plus the attester's share for each slot it signed.
    expect(balance).toBeGreaterThanOrEqual(BigInt(claim.credit));
  }, 120_000);
});
