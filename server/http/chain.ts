/**
 * @module server/http/chain
 * The chain's public face: where the contracts are, every epoch and its file at a stable URL (anyone can recompute
 * the root: `npm run verify-epoch`), and a volunteer's claim (proof, what is claimable and the transaction to send
 * it) for the page's claim button.
 */
import { Hono } from 'hono';
import { encodeFunctionData, getAddress, isAddress, type Address, type Hex } from 'viem';
import { creditLedgerAbi } from '../../contracts/abi.ts';
import type { ChainInfo, ClaimInfo } from '../../protocol/chain.ts';
import { parseEpochFile, readEpochFile } from '../chain/epoch-file.ts';
import type { EpochTree } from '../chain/epoch-tree.ts';
import { readClaimed } from '../chain/read-ledger.ts';
import type { RunningChain } from '../chain/start-chain.ts';
import { ApiError, NotFoundError } from './errors.ts';

export class InvalidAddressError extends ApiError {
  override name = 'InvalidAddressError';
  constructor(value: string) {
    super(400, `not an Ethereum address: ${JSON.stringify(value.slice(0, 64))}`);
  }
}

export class ChainOffError extends NotFoundError {
  override name = 'ChainOffError';
  constructor() {
    super('this coordinator posts no credit to a chain (TERRAFLOP_CHAIN=off)');
  }
}

/** @example api.route('/', chainRoutes(chain)) */
export function chainRoutes(chain: RunningChain | undefined) {
  let cached: { epoch: number; tree: EpochTree } | undefined;
  const treeOf = (epoch: number) => {
    if (cached?.epoch !== epoch) cached = { epoch, tree: parseEpochFile(readEpochFile(need().epochDir, epoch)).tree };
    return cached.tree;
  };
  const need = (): RunningChain => {
    if (!chain) throw new ChainOffError();
    return chain;
  };

  return new Hono()
    .get('/chain', async (c) => {
      if (!chain) return c.json({ mode: 'off' } satisfies ChainInfo);
      const { chainId, ledger, cop, market } = chain.deployment;
      const posted = await chain.store.latestPosted(ledger);
      const info: ChainInfo = { mode: chain.mode, chainId, ledger, cop, market, latestPostedEpoch: posted?.epoch ?? 0 };
      if (chain.mode === 'embedded') info.rpcUrl = chain.rpcUrl;
      return c.json(info);
    })
    .get('/epochs', async (c) => {
      const { store, deployment } = need();
      const rows = (await store.epochs(deployment.ledger)).map(({ ledger: _l, attempts: _a, lastError: _e, ...r }) => ({
        ...r,
        url: `/api/epochs/${r.epoch}.jsonl`,
      }));
      return c.json({ ledger: deployment.ledger, epochs: rows });
    })
    .get('/epochs/:file{[0-9]+\\.jsonl}', async (c) => {
      const epoch = Number(c.req.param('file').replace('.jsonl', ''));
      const { store, deployment, epochDir } = need();
      if (!(await store.epoch(deployment.ledger, epoch))) throw new NotFoundError(`no epoch ${epoch}`);
      return c.body(readEpochFile(epochDir, epoch), 200, {
        'content-type': 'application/jsonl; charset=utf-8',
        'cache-control': 'public, max-age=31536000, immutable',
      });
    })
    .get('/chain/claims/:address', async (c) => {
      const raw = c.req.param('address');
      if (!isAddress(raw, { strict: false })) throw new InvalidAddressError(raw);
      const account = getAddress(raw);
      const { store, deployment, clients } = need();
      const posted = await store.latestPosted(deployment.ledger);
      if (!posted)
        return c.json({ account, epoch: 0, credit: '0', claimed: null, claimable: '0', tx: null } satisfies ClaimInfo);
      const tree = treeOf(posted.epoch);
      const index = tree.leaves.findIndex(([a]) => a === account);
      if (index < 0)
        return c.json({
          account,
          epoch: posted.epoch,
          credit: '0',
          claimed: null,
          claimable: '0',
          tx: null,
        } satisfies ClaimInfo);
      const [, credit, offset] = tree.leaves[index]!;
      const proof = tree.tree.getProof(index) as Hex[];
      const claimed = await readClaimed(clients.publicClient, { ledger: deployment.ledger, account }).catch(() => null);
      const data = encodeFunctionData({
        abi: creditLedgerAbi,
        functionName: 'claim',
        args: [BigInt(posted.epoch), account, credit, offset, proof],
      });
      return c.json({
        account,
        epoch: posted.epoch,
        credit: String(credit),
        offset: String(offset),
        proof,
        // Null when the chain cannot be read right now: the page says so instead of guessing.
        claimed: claimed === null ? null : String(claimed),
        claimable: claimed === null ? null : String(credit > claimed ? credit - claimed : 0n),
        tx: { to: deployment.ledger as Address, data, chainId: deployment.chainId },
      } satisfies ClaimInfo & { offset: string; proof: Hex[] });
    });
}
