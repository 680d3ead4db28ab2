/**
 * @module web/volunteer/chain-account
 * The volunteer's view of their credit on chain: the address they claim to (typed in or from an injected EIP-1193
 * wallet, kept in localStorage), the credit in the latest posted epoch, the COP claimable, and the claim itself,
 * sent through the wallet with the transaction the coordinator prepared (anyone may submit a claim; the COP always
 * go to the address in the proof).
 */
import type { z } from 'zod';
import { ChainInfo, ClaimInfo } from '../../protocol/chain.ts';
import { fetchCoordinator } from '../../protocol/coordinator-error.ts';
import { isHexAddress } from '../lib/cop.ts';

/** EIP-1193: the one method of an injected wallet this page uses. */
export interface Eip1193Provider {
  request(args: { method: string; params?: unknown[] }): Promise<unknown>;
}

const ADDRESS_KEY = 'terraflop.claimAddress';

export class ChainAccount {
  info = $state<ChainInfo | null>(null);
  claim = $state<ClaimInfo | null>(null);
  address = $state('');
  error = $state('');
  /** What is wrong with the address typed in, shown beside its field. */
  addressError = $state('');
  message = $state('');
  busy = $state(false);
  readonly wallet: Eip1193Provider | undefined;
  private readonly base: string;

  constructor(base: string = location.origin, wallet = (globalThis as { ethereum?: Eip1193Provider }).ethereum) {
    this.base = base;
    this.wallet = wallet;
  }

  private async get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return schema.parse(await (await fetchCoordinator(new URL(path, this.base))).json());
  }

  async init(): Promise<void> {
    try {
      this.info = await this.get('/api/chain', ChainInfo);
      const saved = localStorage.getItem(ADDRESS_KEY);
      if (this.info.mode !== 'off' && saved && isHexAddress(saved)) await this.link(saved);
    } catch (error) {
      this.error = `Could not read the chain's state: ${(error as Error).message}`;
    }
  }

  /** Shows the credit of `address`; a malformed one is refused and changes nothing. */
  async link(address: string): Promise<void> {
    const trimmed = address.trim();
    if (!isHexAddress(trimmed)) {
      this.addressError = 'An Ethereum address is 0x followed by 40 hexadecimal digits.';
      return;
    }
    this.addressError = '';
    this.error = '';
    this.address = trimmed;
    localStorage.setItem(ADDRESS_KEY, trimmed);
    await this.refresh();
  }

  async refresh(): Promise<void> {
    if (!this.address) return;
    try {
      this.claim = await this.get(`/api/chain/claims/${this.address}`, ClaimInfo);
    } catch (error) {
      this.error = claimFailure(error);
    }
  }

  async useWallet(): Promise<void> {
    if (!this.wallet) return;
    try {
      const accounts = (await this.wallet.request({ method: 'eth_requestAccounts' })) as string[];
      if (accounts[0]) await this.link(accounts[0]);
    } catch (error) {
      this.error = `The wallet refused: ${(error as Error).message}`;
    }
  }

  /** Sends the prepared claim through the wallet, on the ledger's chain. */
  async claimNow(): Promise<void> {
    const tx = this.claim?.tx;
    if (!this.wallet || !tx || this.busy) return;
    this.busy = true;
    this.error = '';
    try {
      await this.switchChain(tx.chainId);
      const [from] = (await this.wallet.request({ method: 'eth_requestAccounts' })) as string[];
      const hash = (await this.wallet.request({
        method: 'eth_sendTransaction',
        params: [{ from, to: tx.to, data: tx.data }],
      })) as string;
      this.message = `Claim sent in transaction ${hash}.`;
      for (let i = 0; i < 10 && this.claim?.claimable !== '0'; i++) {
        await new Promise((r) => setTimeout(r, 1500));
        await this.refresh();
      }
    } catch (error) {
      this.error = `The claim was not sent: ${(error as Error).message}`;
    } finally {
      this.busy = false;
    }
  }

  private async switchChain(chainId: number): Promise<void> {
    const hex = `0x${chainId.toString(16)}`;
    if ((await this.wallet!.request({ method: 'eth_chainId' })) === hex) return;
    try {
      await this.wallet!.request({ method: 'wallet_switchEthereumChain', params: [{ chainId: hex }] });
    } catch (error) {
      // 4902: the wallet does not know the chain (EIP-3326); the embedded chain says where it is.
      const rpcUrl = this.info?.mode !== 'off' ? this.info?.rpcUrl : undefined;
      if ((error as { code?: number }).code !== 4902 || !rpcUrl) throw error;
      const nativeCurrency = { name: 'Ether', symbol: 'ETH', decimals: 18 };
      await this.wallet!.request({
        method: 'wallet_addEthereumChain',
        params: [{ chainId: hex, chainName: 'Terraflop local chain', rpcUrls: [rpcUrl], nativeCurrency }],
      });
    }
  }
}

/** Why the claim could not be read, by the error's name. */
function claimFailure(error: unknown): string {
  const name = error instanceof Error ? error.name : '';
  switch (name) {
    case 'NetworkError':
      return 'Could not read your claim: the coordinator cannot be reached. It is read again on the next refresh.';
    case 'ChainOffError':
      return 'This coordinator posts no credit to a chain, so there is nothing to claim.';
    case 'InvalidAddressError':
      return 'The coordinator refused the address: an Ethereum address is 0x followed by 40 hexadecimal digits.';
    default:
      return `Could not read your claim: ${error instanceof Error ? error.message : String(error)}`;
  }
}
