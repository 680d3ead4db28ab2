/**
 * @module server/chain/attestation-pass
 * The attestation pass: brings each proposed epoch to final. It fixes the epoch's seed once the seed block is past
 * (on the embedded chain, where blocks come only with transactions, it mines the empty blocks the draw waits for),
 * seats the drawn slots (seatDraw: the drawn leaves proven once an epoch, so that each signature costs the same gas
 * at any number of volunteers; the ledger checks every seat against the root and the seed, so the coordinator
 * cannot seat anyone but the draw's, and a volunteer can seat its own slot with its proof if it never does), relays
 * the signatures volunteers' pages sent (they need no gas; the ledger checks each one, so the coordinator cannot
 * forge or misplace one, only withhold it: the challenge window still runs, and a withheld dissent is a volunteer's
 * to seat and send to the ledger itself), and finalises an undisputed epoch once its challenge window has passed.
 * Like the poster it never waits on the RPC: it starts its round in the background.
 */
import type { Address, Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import type { AttestationRecords, ChainMirror } from '../store/chain.ts';
import type { EpochProofs } from '../epochs/epoch-proofs.ts';
import { backgroundPass, type BackgroundPass } from './background-pass.ts';
import type { ChainClients } from './clients.ts';
import { writeAndWait } from './write-and-wait.ts';

export interface AttestationPassOptions {
  clients: ChainClients;
  ledger: Address;
  records: Pick<ChainMirror, 'mirroredEpochs'> & Pick<AttestationRecords, 'pendingAttestations' | 'markRelayed'>;
  proofs: Pick<EpochProofs, 'seating'>;
  /** The embedded chain: mine the blocks the draw waits for (nobody else makes blocks there). */
  mineWhenWaiting?: boolean;
  log?: (message: string) => void;
}

export interface AttestationPass extends BackgroundPass {
  /** One round, awaited. Resolves whether it sent anything. */
  runOnce(now: number): Promise<boolean>;
}

const PROPOSED = 1;
const NO_SEED = `0x${'0'.repeat(64)}`;

/** @example const pass = attestationPass({ clients, ledger, records: store, proofs }); */
export function attestationPass(o: AttestationPassOptions): AttestationPass {
  const { publicClient } = o.clients;
  const log = o.log ?? ((m: string) => console.warn(m));
  const call = { address: o.ledger, abi: creditLedgerAbi } as const;

  /** Fixes the seed when its block is past; false while the draw still waits. */
  async function seed(epoch: number, seedBlock: bigint): Promise<boolean> {
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    if (latest <= seedBlock) {
      if (!o.mineWhenWaiting) return false;
      const blocks = `0x${(seedBlock - latest + 1n).toString(16)}`;
      await publicClient.request({ method: 'anvil_mine', params: [blocks] } as never);
    }
    await writeAndWait(o.clients, { ...call, functionName: 'drawSeed', args: [BigInt(epoch)] });
    return true;
  }

  /**
   * Seats the slots of the epoch's draw that are not seated yet (all of them, in one seatDraw). Resolves whether every
   * slot is seated now (false while the seed waits, or when seating failed: the signatures then wait too, since the
   * ledger would refuse them for an unseated slot and a refusal is not retried).
   */
  async function seat(epoch: number): Promise<{ seated: boolean; sent: boolean }> {
    const e = await publicClient.readContract({ ...call, functionName: 'epochs', args: [BigInt(epoch)] });
    const attesters = await publicClient.readContract({ ...call, functionName: 'attesters' });
    if (e.seated >= attesters) return { seated: true, sent: false };
    if (e.status !== PROPOSED || e.seed === NO_SEED) return { seated: false, sent: false };
    try {
      const s = o.proofs.seating(epoch, e.seed, attesters);
      const args = [BigInt(epoch), s.leaves, s.proof, s.proofFlags, s.slotLeaf] as const;
      await writeAndWait(o.clients, { ...call, functionName: 'seatDraw', args });
      return { seated: true, sent: true };
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
      log(`attestation pass: epoch ${epoch} not seated: ${message}`);
      return { seated: false, sent: false };
    }
  }

  async function relay(epoch: number): Promise<boolean> {
    const pending = (await o.records.pendingAttestations(o.ledger)).filter((a) => a.epoch === epoch);
    for (const a of pending) {
      try {
        const args = [BigInt(epoch), BigInt(a.slot), a.agree, a.signature as Hex] as const;
        await writeAndWait(o.clients, { ...call, functionName: 'attest', args });
        await o.records.markRelayed(o.ledger, epoch, a.slot, null);
      } catch (error) {
        // The ledger's verdict (a slot already signed, an epoch already final): kept, not retried.
        const message = error instanceof Error ? error.message.split('\n')[0]! : String(error);
        await o.records.markRelayed(o.ledger, epoch, a.slot, message);
        log(`attestation pass: epoch ${epoch} slot ${a.slot} by ${a.signer} not counted: ${message}`);
      }
    }
    return pending.length > 0;
  }

  async function runOnce(now: number): Promise<boolean> {
    let did = false;
    for (const mirrored of await o.records.mirroredEpochs(o.ledger)) {
      if (mirrored.status !== 'proposed') continue;
      const e = await publicClient.readContract({ ...call, functionName: 'epochs', args: [BigInt(mirrored.epoch)] });
      if (e.status !== PROPOSED) continue;
      if (e.seed === NO_SEED) did = (await seed(mirrored.epoch, e.seedBlock)) || did;
      // Seated before relaying: the ledger counts a signature only for a seated slot.
      const seating = await seat(mirrored.epoch);
      did = seating.sent || did;
      if (seating.seated) did = (await relay(mirrored.epoch)) || did;
      const window = await publicClient.readContract({ ...call, functionName: 'challengeWindow' });
      const block = await publicClient.getBlock({ blockTag: 'latest' });
      const still = await publicClient.readContract({
        ...call,
        functionName: 'epochs',
        args: [BigInt(mirrored.epoch)],
      });
      // The embedded chain's clock moves only with its blocks: there, the coordinator's clock says the window is over.
      const clock = o.mineWhenWaiting ? BigInt(Math.floor(now / 1000)) : 0n;
      const time = block.timestamp > clock ? block.timestamp : clock;
      if (still.status === PROPOSED && time >= e.proposedAt + window) {
        await writeAndWait(o.clients, { ...call, functionName: 'finalize', args: [BigInt(mirrored.epoch)] });
        did = true;
      }
    }
    return did;
  }

  return { ...backgroundPass('attestation', runOnce, log), runOnce };
}
