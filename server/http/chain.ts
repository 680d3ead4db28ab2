/**
 * @module server/http/chain
 * The chain's public face: where the contracts are, every epoch and its file at a stable URL (anyone can recompute
 * the root: `npm run verify-epoch`), and a volunteer's claim (proof, what is claimable and the transaction to send
 * it) for the page's claim button. Every answer comes from the store (the epochs built, the mirror the chain reader
 * keeps) and the coordinator's own epoch files: no request reads the chain, so none waits on or fails with its RPC.
 */
import { Hono } from 'hono';
import { encodeFunctionData, getAddress, isAddress, type Address } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import type { ChainInfo, ClaimInfo, EpochList } from '../../protocol/chain.ts';
import { epochProofs } from '../epochs/epoch-proofs.ts';
import type { ChainStore } from '../store/chain.ts';
import { ApiError, NotFoundError } from './errors.ts';
import { attestationRoutes } from './attestation.ts';

export class InvalidAddressError extends ApiError {
  override name = 'InvalidAddressError' as const;
  constructor(value: string) {
    super(400, `not an Ethereum address: ${JSON.stringify(value.slice(0, 64))}`);
  }
}

export class ChainOffError extends NotFoundError {
  override name = 'ChainOffError' as const;
  constructor() {
    super('this coordinator posts no credit to a chain (TERRAFLOP_CHAIN=off)');
  }
}

/** What the routes need of the chain side: its fixed addresses, the store's records and mirror, the epoch files. */
export interface ChainFace {
  mode: 'embedded' | 'rpc';
  deployment: { chainId: number; ledger: Address; cop: Address; market: Address };
  /** The chain's RPC URL: published for the embedded chain only (a configured one may hold a secret). */
  rpcUrl: string;
  store: Pick<
    ChainStore,
    | 'epochs'
    | 'epoch'
    | 'mirrorHead'
    | 'mirroredEpochs'
    | 'latestMirroredEpoch'
    | 'claimableEpoch'
    | 'claimed'
    | 'recordAttestations'
    | 'canonicalSample'
  >;
  /** Attester slots per epoch (the ledger's rule). */
  attesters: number;
  /** The folder of this ledger's epoch files. */
  epochDir: string;
}

/** @example api.route('/', chainRoutes(chain)) */
export function chainRoutes(chain: ChainFace | undefined) {
  const proofs = chain && epochProofs(chain.epochDir);
  const need = (): ChainFace => {
    if (!chain) throw new ChainOffError();
    return chain;
  };

  const attestation = chain ? attestationRoutes({ ...chain, proofs: proofs! }) : new Hono();
  return new Hono()
    .route('/', attestation)
    .get('/chain', async (c) => {
      if (!chain) return c.json({ mode: 'off' } satisfies ChainInfo);
      const { chainId, ledger, cop, market } = chain.deployment;
      const [head, latest] = await Promise.all([
        chain.store.mirrorHead(ledger),
        chain.store.latestMirroredEpoch(ledger),
      ]);
      const info: ChainInfo = {
        mode: chain.mode,
        chainId,
        ledger,
        cop,
        market,
        latestPostedEpoch: latest?.epoch ?? 0,
        mirror: head ? { block: String(head.block), readAt: head.readAt } : null,
      };
      if (chain.mode === 'embedded') info.rpcUrl = chain.rpcUrl;
      return c.json(info);
    })
    .get('/epochs', async (c) => {
      const { store, deployment } = need();
      const [built, onChain] = await Promise.all([
        store.epochs(deployment.ledger),
        store.mirroredEpochs(deployment.ledger),
      ]);
      const status = new Map(onChain.map((e) => [e.epoch, e]));
      const epochs = built.map(({ ledger: _l, attempts: _a, lastError: _e, ...r }) => ({
        ...r,
        onChain: status.get(r.epoch)?.root === r.root ? status.get(r.epoch)!.status : null,
        url: `/api/epochs/${r.epoch}.jsonl`,
      }));
      return c.json({ ledger: deployment.ledger, epochs } satisfies EpochList);
    })
    .get('/epochs/:file{[0-9]+\\.jsonl}', async (c) => {
      const epoch = Number(c.req.param('file').replace('.jsonl', ''));
      const { store, deployment } = need();
      if (!(await store.epoch(deployment.ledger, epoch))) throw new NotFoundError(`no epoch ${epoch}`);
      return c.body(proofs!.file(epoch), 200, {
        'content-type': 'application/jsonl; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
      });
    })
    .get('/chain/claims/:address', async (c) => {
      const raw = c.req.param('address');
      if (!isAddress(raw, { strict: false })) throw new InvalidAddressError(raw);
      return c.json(await claimOf(need(), getAddress(raw)));
    });

  async function claimOf({ store, deployment }: ChainFace, account: Address): Promise<ClaimInfo> {
    const { ledger, chainId } = deployment;
    const [head, epoch] = await Promise.all([store.mirrorHead(ledger), store.claimableEpoch(ledger)]);
    // Null until the chain reader has read the chain once: the page says so instead of guessing.
    const claimed = head ? await store.claimed(ledger, account) : null;
    const read = { claimed: claimed === null ? null : String(claimed), asOfBlock: head ? String(head.block) : null };
    const leaf = epoch && proofs!.leaf(epoch.epoch, account);
    const none = { account, epoch: epoch?.epoch ?? 0, credit: '0', offset: null, weight: null, proof: null, ...read };
    if (!epoch || !leaf) return { ...none, claimable: '0', tx: null };
    const { credit, offset, weight, proof } = leaf;
    const data = encodeFunctionData({
      abi: creditLedgerAbi,
      functionName: 'claim',
      args: [BigInt(epoch.epoch), account, credit, offset, weight, proof],
    });
    return {
      ...none,
      credit: String(credit),
      offset: String(offset),
      weight: String(weight),
      proof,
      claimable: claimed === null ? null : String(credit > claimed ? credit - claimed : 0n),
      tx: { to: ledger, data, chainId },
    };
  }
}
