/**
 * @module server/chain/write-and-wait
 * viem's pattern for every transaction here: simulate first (a revert surfaces with its decoded error and costs no
 * gas), then send, then wait for the receipt; `onSent` learns the hash before the wait, so a caller can record it
 * durably and find the transaction again after a crash. Sends from one account are queued, one at a time: the poster
 * and the market settler share the coordinator's account, and two sends in flight would race for a nonce.
 */
import type { Abi, ContractFunctionArgs, ContractFunctionName, Hash, TransactionReceipt, Address } from 'viem';
import type { ChainClients } from './clients.ts';
import { BaseError } from '../../protocol/base-error.ts';

export type WriteAndWaitParameters<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable'>> = {
  address: Address;
  abi: abi;
  functionName: name;
  args: ContractFunctionArgs<abi, 'nonpayable', name>;
  onSent?: (hash: Hash) => void | Promise<void>;
};
export type WriteAndWaitReturnType = TransactionReceipt;

const queues = new Map<string, Promise<unknown>>();

export class TransactionRevertedError extends BaseError {
  override name = 'TransactionRevertedError' as const;
}

/** @example await writeAndWait(clients, { address, abi: creditLedgerAbi, functionName: 'postEpoch', args }) */
export function writeAndWait<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable'>>(
  clients: ChainClients,
  params: WriteAndWaitParameters<abi, name>,
): Promise<WriteAndWaitReturnType> {
  const key = `${clients.chain.id}:${clients.account.address}`;
  const run = (queues.get(key) ?? Promise.resolve()).catch(() => {}).then(() => send(clients, params));
  queues.set(key, run);
  void run.finally(() => queues.get(key) === run && queues.delete(key)).catch(() => {});
  return run;
}

async function send<abi extends Abi, name extends ContractFunctionName<abi, 'nonpayable'>>(
  clients: ChainClients,
  { onSent, ...call }: WriteAndWaitParameters<abi, name>,
): Promise<WriteAndWaitReturnType> {
  const { request } = await clients.publicClient.simulateContract({ ...call, account: clients.account } as never);
  const hash = await clients.walletClient.writeContract(request as never);
  await onSent?.(hash);
  const receipt = await clients.publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
  if (receipt.status !== 'success')
    throw new TransactionRevertedError(`${String(call.functionName)} reverted in ${hash}`);
  return receipt;
}
