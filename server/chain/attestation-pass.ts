/**
 * @module server/chain/attestation-pass
 * The attestation pass: brings each proposed epoch to final. It fixes the epoch's seed once the seed block is past
 * (on the embedded chain, where blocks come only with transactions, it mines the empty blocks the draw waits for),
 * relays the signatures volunteers' pages sent (they need no gas; the ledger checks each one, so the coordinator
 * cannot forge or misplace one, only withhold it: the challenge window still runs, and a withheld dissent is a
 * volunteer's to send to the ledger itself), and finalises an undisputed epoch once its challenge window has passed.
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
  proofs: Pick<EpochProofs, 'leaf'>;
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

  async function relay(epoch: number): Promise<boolean> {
    const pending = (await o.records.pendingAttestations(o.ledger)).filter((a) => a.epoch === epoch);
    for (const a of pending) {
      const leaf = o.proofs.leaf(epoch, a.signer as Address);
      try {
        if (!leaf) throw new Error(`${a.signer} has no leaf in epoch ${epoch}`);
        const { credit, offset, weight, proof } = leaf;
        const args = [BigInt(epoch), BigInt(a.slot), credit, offset, weight, proof, a.agree, a.signature as Hex];
        await writeAndWait(o.clients, { ...call, functionName: 'attest', args } as never);
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
      did = (await relay(mirrored.epoch)) || did;
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
