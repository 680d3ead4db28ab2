/**
 * @module server/chain/clients
 * viem clients for any EVM chain from its RPC URL and chain id alone (nothing of a chain's identity is hard-coded),
 * with the poster's account. No nonce manager: a send that failed mid-RPC may leave a local nonce counter ahead of
 * the chain (a gap that strands every later transaction), so each send asks the node for the pending nonce; the
 * poster sends one transaction at a time and waits for it anyway.
 */
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  type Account,
  type Chain,
  type Hex,
  type PublicClient,
  type Transport,
  type WalletClient,
} from 'viem';
import { privateKeyToAccount } from 'viem/accounts';

export interface ChainClients {
  chain: Chain;
  publicClient: PublicClient<Transport, Chain>;
  walletClient: WalletClient<Transport, Chain, Account>;
  account: Account;
}

export interface ChainClientsParameters {
  rpcUrl: string;
  chainId: number;
  privateKey: Hex;
  /** Per request; an RPC outage fails a pass quickly instead of holding it. */
  timeoutMs?: number;
  /** Told of every request the RPC failed (the coordinator's metrics); the error is thrown on as before. */
  onRpcError?: ((method: string, error: unknown) => void) | undefined;
}

/** @example const { publicClient, walletClient } = chainClients({ rpcUrl, chainId: 31337, privateKey }); */
export function chainClients({
  rpcUrl,
  chainId,
  privateKey,
  timeoutMs = 10_000,
  onRpcError,
}: ChainClientsParameters): ChainClients {
  const chain = defineChain({
    id: chainId,
    name: `chain ${chainId}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = watched(http(rpcUrl, { timeout: timeoutMs, retryCount: 0 }), onRpcError);
  const account = privateKeyToAccount(privateKey);
  return {
    chain,
    account,
    publicClient: createPublicClient({ chain, transport, pollingInterval: 100 }),
    walletClient: createWalletClient({ chain, transport, account, pollingInterval: 100 }),
  };
}

/** The transport, its failures reported to `onError` on their way to the caller. */
function watched(transport: Transport, onError: ChainClientsParameters['onRpcError']): Transport {
  if (!onError) return transport;
  return (params) => {
    const inner = transport(params);
    const request: typeof inner.request = async (args, options) => {
      try {
        return await inner.request(args, options);
      } catch (error) {
        onError(args.method, error);
        throw error;
      }
    };
    return { ...inner, request };
  };
}
