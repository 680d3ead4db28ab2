/**
 * @module server/chain/deploy
 * Deploys the CreditLedger (which creates the COP token it alone mints) and the ComputeMarket on that token.
 */
import { getAddress, type Address, type Hash } from 'viem';
import { computeMarketAbi, creditLedgerAbi } from '../../contracts/abi.ts';
import { loadArtifacts } from '../../contracts/compile.ts';
import type { ChainClients } from './clients.ts';
import { BaseError } from '../../protocol/base-error.ts';

export interface Deployment {
  chainId: number;
  ledger: Address;
  cop: Address;
  market: Address;
  /** Block of the ledger's deployment: where event scans start. */
  block: string;
  /** The compiled sources' hash (contracts/compile.ts) of what was deployed, when this code deployed it. */
  sources?: string;
}

export interface DeployContractsParameters {
  /** Holds the admin roles (grant or revoke posters and settlers). Defaults to the deploying account. */
  admin?: Address;
  /** Price of one credit in COP wei, for batches opened from now on. Default 1 COP per credit. */
  pricePerCredit?: bigint;
  /** Seconds the coordinator has to settle a cancelled batch before its requester may take the rest back. 1 day. */
  cancelGraceS?: number;
}

export class DeployError extends BaseError {
  override name = 'DeployError' as const;
}

async function deployOne(
  clients: ChainClients,
  name: string,
  send: () => Promise<Hash>,
): Promise<{ address: Address; block: bigint }> {
  const hash = await send();
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== 'success' || !receipt.contractAddress)
    throw new DeployError(`deploying ${name} failed in ${hash}`);
  return { address: getAddress(receipt.contractAddress), block: receipt.blockNumber };
}

/**
 * The deploying account becomes poster and settler.
 * @example const deployment = await deployContracts(clients);
 */
export async function deployContracts(
  clients: ChainClients,
  params: DeployContractsParameters = {},
): Promise<Deployment> {
  const { contracts, sourceHash } = loadArtifacts();
  const me = clients.account.address;
  const admin = params.admin ?? me;
  const ledger = await deployOne(clients, 'CreditLedger', () =>
    clients.walletClient.deployContract({
      abi: creditLedgerAbi,
      bytecode: contracts.CreditLedger.bytecode,
      args: [admin, me],
    }),
  );
  const cop = await clients.publicClient.readContract({
    address: ledger.address,
    abi: creditLedgerAbi,
    functionName: 'cop',
  });
  const market = await deployOne(clients, 'ComputeMarket', () =>
    clients.walletClient.deployContract({
      abi: computeMarketAbi,
      bytecode: contracts.ComputeMarket.bytecode,
      args: [cop, admin, me, params.pricePerCredit ?? 10n ** 18n, BigInt(params.cancelGraceS ?? 86_400)],
    }),
  );
  return {
    chainId: clients.chain.id,
    ledger: ledger.address,
    cop,
    market: market.address,
    block: String(ledger.block),
    sources: sourceHash,
  };
}
