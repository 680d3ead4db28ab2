/**
 * @module server/http/attestation
 * The attester's routes: what an address has to attest (the newest proposed epoch whose draw the mirror knows,
 * the slots the address holds in it, its leaf), the sample of canonical results it re-executes, and the submission
 * of its signature, which the attestation pass
 * relays to the ledger. Both answer from the store's mirror and the coordinator's own epoch files, never the chain.
 * A submission is checked as the ledger will check it (the signature recovers to an address whose leaf holds the
 * slots' points), so the coordinator stores only what the ledger would count, and nobody fills its queue with noise.
 */
import { Hono } from 'hono';
import {
  encodeAbiParameters,
  getAddress,
  isAddress,
  keccak256,
  recoverTypedDataAddress,
  type Address,
  type Hex,
} from 'viem';
import {
  ATTESTATION_TYPES,
  AttestationAccepted,
  type AttestationDuty,
  AttestationSubmission,
  attestationDomain,
  EpochSample,
} from '../../protocol/chain.ts';
import { NO_PREVIOUS_FILE } from '../epochs/epoch-file.ts';
import type { EpochProofs } from '../epochs/epoch-proofs.ts';
import { drawnSlots } from '../epochs/epoch-tree.ts';
import type { AttestationRecords, ChainMirror, EpochRecords, MirroredEpoch } from '../store/chain.ts';
import { ApiError } from './errors.ts';
import { InvalidAddressError } from './chain.ts';
import { parseBody } from './parse.ts';

export class NotAttestableError extends ApiError {
  override name = 'NotAttestableError' as const;
  constructor(epoch: number, why: string) {
    super(409, `epoch ${epoch} cannot be attested: ${why}`);
  }
}

export class NotDrawnError extends ApiError {
  override name = 'NotDrawnError' as const;
  constructor(epoch: number, signer: string) {
    super(403, `${signer} (recovered from the signature) is not drawn to attest epoch ${epoch}`);
  }
}

export interface AttestationFace {
  deployment: { chainId: number; ledger: Address };
  /** Attester slots per epoch (the ledger's rule). */
  attesters: number;
  store: Pick<ChainMirror, 'mirroredEpochs'> &
    Pick<AttestationRecords, 'recordAttestations' | 'canonicalSample'> &
    Pick<EpochRecords, 'epoch'>;
  proofs: Pick<EpochProofs, 'leaf' | 'header'>;
}

/** Units an attester re-executes per epoch, and the newest units they are drawn from. */
export const SAMPLE_UNITS = 3;
const SAMPLE_POOL = 1000;
/** The apps every volunteer's worker runs (a project's own app or a training job needs what it does not hold). */
const SAMPLED_APPS = ['signal-search', 'matmul', 'collatz'] as const;

/**
 * `k` distinct indices below `n`, drawn by `keccak(seed, i) mod n`: whoever knows the seed can check the choice, and
 * nobody knew it when the epoch was proposed.
 * @example sampleIndices(seed, 10, 3) // e.g. [7, 2, 9]
 */
export function sampleIndices(seed: Hex, n: number, k: number): number[] {
  const chosen: number[] = [];
  for (let i = 0; chosen.length < Math.min(k, n); i++) {
    const at = Number(
      BigInt(keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [seed, BigInt(i)]))) % BigInt(n),
    );
    if (!chosen.includes(at)) chosen.push(at);
  }
  return chosen;
}

/** The newest proposed epoch whose seed the mirror holds: the one attesters work on. */
async function openEpoch(face: AttestationFace): Promise<MirroredEpoch | undefined> {
  const epochs = await face.store.mirroredEpochs(face.deployment.ledger);
  return epochs.reverse().find((e) => e.status === 'proposed' && e.seed !== '');
}

/**
 * What the ledger signs and draws with beyond the mirror's record: the total weight, from this coordinator's own
 * file of the epoch (only when its root is the one on chain), and the previous epoch's file hash as the mirror has it.
 */
async function weighing(face: AttestationFace, e: MirroredEpoch) {
  const header = face.proofs.header(e.epoch);
  if (header.root !== e.root) throw new NotAttestableError(e.epoch, "the root on chain is not this coordinator's");
  const previous = (await face.store.mirroredEpochs(face.deployment.ledger)).find((m) => m.epoch === e.epoch - 1);
  const previousFileHash = (e.epoch === 1 ? NO_PREVIOUS_FILE : (previous?.fileHash ?? header.previousFileHash)) as Hex;
  return { totalWeight: BigInt(header.totalWeight), previousFileHash };
}

function slotsOf(face: AttestationFace, e: MirroredEpoch, totalWeight: bigint, account: Address) {
  const leaf = face.proofs.leaf(e.epoch, account);
  const slots = leaf ? drawnSlots(e.seed as Hex, totalWeight, face.attesters, leaf) : [];
  return { leaf, slots };
}

/** @example api.route('/', attestationRoutes(face)) */
export function attestationRoutes(face: AttestationFace) {
  const { chainId, ledger } = face.deployment;
  return new Hono()
    .get('/chain/attestation/:address', async (c) => {
      const raw = c.req.param('address');
      if (!isAddress(raw, { strict: false })) throw new InvalidAddressError(raw);
      const e = await openEpoch(face);
      const none: AttestationDuty = {
        epoch: 0,
        root: null,
        fileHash: null,
        totalCredit: '0',
        totalWeight: '0',
        chainId,
        ledger,
        slots: [],
        credit: '0',
        offset: '0',
        weight: '0',
        fileUrl: null,
        previousFileHash: null,
        previousFileUrl: null,
      };
      if (!e) return c.json(none);
      const { totalWeight, previousFileHash } = await weighing(face, e);
      const { leaf, slots } = slotsOf(face, e, totalWeight, getAddress(raw));
      return c.json({
        ...none,
        epoch: e.epoch,
        root: e.root,
        fileHash: e.fileHash,
        totalCredit: e.totalCredit,
        totalWeight: String(totalWeight),
        slots,
        credit: String(leaf?.credit ?? 0n),
        offset: String(leaf?.offset ?? 0n),
        weight: String(leaf?.weight ?? 0n),
        fileUrl: `/api/epochs/${e.epoch}.jsonl`,
        previousFileHash,
        previousFileUrl: e.epoch > 1 ? `/api/epochs/${e.epoch - 1}.jsonl` : null,
      } satisfies AttestationDuty);
    })
    .get('/epochs/:epoch{[0-9]+}/sample', async (c) => {
      const n = Number(c.req.param('epoch'));
      const e = (await face.store.mirroredEpochs(ledger)).find((m) => m.epoch === n);
      if (!e || e.seed === '') throw new NotAttestableError(n, 'its attesters are not drawn yet');
      const built = await face.store.epoch(ledger, n);
      if (!built) throw new NotAttestableError(n, 'this coordinator did not build it');
      // The epoch's own work: units validated since the previous epoch was built.
      const since = (await face.store.epoch(ledger, n - 1))?.builtAt ?? 0;
      const units = await face.store.canonicalSample(SAMPLED_APPS, since, built.builtAt, SAMPLE_POOL, (ids) =>
        sampleIndices(e.seed as Hex, ids.length, SAMPLE_UNITS).map((i) => ids[i]!),
      );
      return c.json(EpochSample.parse({ epoch: n, units }));
    })
    .post('/chain/attestations', async (c) => {
      const body = await parseBody(c, AttestationSubmission, 'attestation');
      const e = (await face.store.mirroredEpochs(ledger)).find((m) => m.epoch === body.epoch);
      if (!e) throw new NotAttestableError(body.epoch, 'the chain holds no such epoch (as last read)');
      if (e.status !== 'proposed') throw new NotAttestableError(body.epoch, `it is ${e.status}`);
      if (e.seed === '') throw new NotAttestableError(body.epoch, 'its attesters are not drawn yet');
      const { totalWeight, previousFileHash } = await weighing(face, e);
      const signer = await recoverTypedDataAddress({
        domain: attestationDomain(chainId, ledger),
        types: ATTESTATION_TYPES,
        primaryType: 'Attestation',
        message: {
          epoch: BigInt(body.epoch),
          root: e.root as Hex,
          fileHash: e.fileHash as Hex,
          totalCredit: BigInt(e.totalCredit),
          totalWeight,
          previousFileHash,
          agree: body.agree,
        },
        signature: body.signature as Hex,
      });
      const { slots } = slotsOf(face, e, totalWeight, signer);
      if (slots.length === 0) throw new NotDrawnError(body.epoch, signer);
      const receivedAt = Date.now();
      await face.store.recordAttestations(
        slots.map((slot) => ({
          ledger,
          epoch: e.epoch,
          slot,
          signer,
          agree: body.agree,
          signature: body.signature,
          receivedAt,
        })),
      );
      return c.json(AttestationAccepted.parse({ epoch: e.epoch, signer, slots }));
    });
}
