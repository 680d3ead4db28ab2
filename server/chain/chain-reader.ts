/**
 * @module server/chain/chain-reader
 * The chain reader pass: keeps the store's mirror of what the ledger says (the epochs it holds and their standing,
 * each account's claimed amount, the last block read), reading its epoch, attestation and Claimed events from the
 * block after the last one read, a span at a time. The routes answer from that mirror, so no request reads the
 * chain. Before each read it checks that the block it last read is still the chain's (same number, same hash): a
 * chain restored from an older dump, or one that reorganised past it, has the mirror read again from the
 * deployment's block. Like the poster it
 * never waits on the RPC: an outage leaves the mirror as it was, a round later, and holds up no other pass.
 */
import type { Address, GetContractEventsReturnType } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import type { ChainMirror, ChainRead, EpochChange, MirrorHead } from '../store/chain.ts';
import { backgroundPass, type BackgroundPass } from './background-pass.ts';
import type { ChainClients } from './clients.ts';

export interface ChainReaderOptions {
  clients: Pick<ChainClients, 'publicClient'>;
  ledger: Address;
  /** Where the ledger was deployed: the first block with its events. */
  fromBlock: bigint;
  mirror: Pick<ChainMirror, 'mirrorHead' | 'applyChainRead' | 'resetMirror'>;
  log?: (message: string) => void;
}

export interface ChainReader extends BackgroundPass {
  /**
   * One read, awaited (tests, the command line). Resolves whether it changed the mirror's epochs or claims, reset
   * it, or left blocks to read (so the runner comes back at once); false once it has caught up with nothing new.
   */
  runOnce(now: number): Promise<boolean>;
}

type LedgerEvent = GetContractEventsReturnType<typeof creditLedgerAbi>[number];

/** What an attestation event changes in a proposed epoch; undefined for other events. */
function epochChange(e: LedgerEvent): EpochChange | undefined {
  switch (e.eventName) {
    case 'SeedDrawn':
      return { epoch: Number(e.args.epoch), kind: 'seed', seed: e.args.seed! };
    case 'SeedRearmed':
      return { epoch: Number(e.args.epoch), kind: 'rearmed', seedBlock: e.args.seedBlock! };
    case 'Attested':
      return e.args.agree ? { epoch: Number(e.args.epoch), kind: 'attested' } : undefined;
    case 'EpochFinalized':
      return { epoch: Number(e.args.epoch), kind: 'final' };
    case 'EpochFrozen':
      return { epoch: Number(e.args.epoch), kind: 'frozen' };
    default:
      return undefined;
  }
}

/** Blocks per read: what public RPCs commonly allow in one getLogs. */
const SPAN = 5_000n;

/** @example const reader = chainReader({ clients, ledger, fromBlock: 0n, mirror: stores.chain }); */
export function chainReader(o: ChainReaderOptions): ChainReader {
  const { publicClient } = o.clients;
  const log = o.log ?? ((m: string) => console.warn(m));

  /** Whether the block the mirror last read is still the chain's. */
  async function stillOnChain(head: MirrorHead, latest: bigint): Promise<boolean> {
    if (head.block > latest) return false;
    return (await publicClient.getBlock({ blockNumber: head.block })).hash === head.blockHash;
  }

  async function read(from: bigint, to: bigint): Promise<ChainRead> {
    const [events, block] = await Promise.all([
      publicClient.getContractEvents({ address: o.ledger, abi: creditLedgerAbi, fromBlock: from, toBlock: to }),
      publicClient.getBlock({ blockNumber: to }),
    ]);
    const found: ChainRead = {
      ledger: o.ledger,
      block: to,
      blockHash: block.hash,
      epochs: [],
      claims: [],
      changes: [],
    };
    for (const e of events) {
      const change = epochChange(e);
      if (change) found.changes.push(change);
      else if (e.eventName === 'EpochProposed') {
        const { epoch, root, fileHash, totalCredit, seedBlock } = e.args;
        found.epochs.push({
          epoch: Number(epoch),
          root: root!,
          fileHash: fileHash!,
          totalCredit: String(totalCredit),
          seedBlock: seedBlock!,
          block: e.blockNumber,
        });
      } else if (e.eventName === 'Claimed') {
        found.claims.push({ account: e.args.account!, claimed: e.args.cumulative!, block: e.blockNumber });
      }
    }
    return found;
  }

  async function runOnce(now: number): Promise<boolean> {
    // Uncached: viem otherwise answers from the last few seconds, and a read would stop short of the newest blocks.
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 });
    const head = await o.mirror.mirrorHead(o.ledger);
    if (head && !(await stillOnChain(head, latest))) {
      await o.mirror.resetMirror(o.ledger);
      log(`chain reader: ledger ${o.ledger}'s chain no longer holds block ${head.block} as read; reading it again`);
      return true;
    }
    const from = head ? head.block + 1n : o.fromBlock;
    if (from > latest) return false;
    const to = from + SPAN - 1n < latest ? from + SPAN - 1n : latest;
    const found = await read(from, to);
    await o.mirror.applyChainRead(found, now);
    return found.epochs.length + found.claims.length > 0 || to < latest;
  }

  return { ...backgroundPass('chain reader', runOnce, log), runOnce };
}
