/**
 * @module server/chain/flaky-rpc
 * For fault tests: a JSON-RPC proxy in front of a real node that can go down, or forward a transaction and then
 * drop the reply (the node mined it, the sender never learns), the two RPC failures posting must survive.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FlakyMode = 'up' | 'down' | 'lose-send-reply';

export interface FlakyRpc {
  url: string;
  mode: FlakyMode;
  /** Transactions forwarded to the node. */
  sends: number;
  close(): Promise<void>;
}

export async function startFlakyRpc(target: string): Promise<FlakyRpc> {
  const state: FlakyRpc = { url: '', mode: 'up', sends: 0, close: async () => {} };
  const server: Server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString();
    if (state.mode === 'down') return void res.destroy();
    const isSend = body.includes('eth_sendRawTransaction');
    const reply = await fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await reply.text();
    if (isSend) state.sends += 1;
    if (isSend && state.mode === 'lose-send-reply') {
      state.mode = 'down';
      return void res.destroy();
    }
    res.writeHead(reply.status, { 'content-type': 'application/json' }).end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () => new Promise((resolve) => server.close(() => resolve()));
  return state;
}
