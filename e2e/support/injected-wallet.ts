/**
 * @module e2e/support/injected-wallet
 * An EIP-1193 wallet stand-in for a browser context: its pages talk to `window.ethereum` as to any injected wallet,
 * which sends from `account` through the chain at `rpcUrl`. Like a wallet extension it reaches the chain from outside
 * the page (the page's CSP allows no other origin), here through a Playwright binding to the test's process.
 */
import type { BrowserContext } from '@playwright/test';

export async function injectWallet(context: BrowserContext, rpcUrl: string, account: string): Promise<void> {
  await context.exposeBinding('walletRpc', async (_source, body: string) => {
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    return await res.text();
  });
  await context.addInitScript(
    ({ account }) => {
      let id = 0;
      const rpc = (window as unknown as { walletRpc: (body: string) => Promise<string> }).walletRpc;
      (window as unknown as { ethereum: unknown }).ethereum = {
        async request({ method, params = [] }: { method: string; params?: unknown[] }) {
          if (method === 'eth_requestAccounts' || method === 'eth_accounts') return [account];
          const text = await rpc(JSON.stringify({ jsonrpc: '2.0', id: ++id, method, params }));
          const body = JSON.parse(text) as { result?: unknown; error?: { message: string; code: number } };
          if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code });
          return body.result;
        },
      };
    },
    { account },
  );
}
