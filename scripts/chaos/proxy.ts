/**
 * @module scripts/chaos/proxy
 * A userland TCP proxy for fault campaigns: forwards a local port to a target whose port may change (a restarted
 * node), delaying each chunk by `delayMs` ± `jitterMs` in order, and resetting a connection (both ends) with
 * probability `resetChance` per chunk, which is what loss amounts to for a request in flight: its reply never comes,
 * though the server may have acted on it. Used where tc netem is not available (see netem.ts).
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

export interface Impairment {
  delayMs: number;
  jitterMs: number;
  resetChance: number;
}

export const CLEAR: Impairment = { delayMs: 0, jitterMs: 0, resetChance: 0 };

export interface FaultyProxy {
  port: number;
  impairment: Impairment;
  /** Where new connections go. */
  targetPort: number;
  /** Connections reset by the proxy so far. */
  resets: number;
  close(): Promise<void>;
}

export async function startProxy(port: number, targetPort: number, random: () => number): Promise<FaultyProxy> {
  const open = new Set<Socket>();
  const proxy: FaultyProxy = { port, impairment: { ...CLEAR }, targetPort, resets: 0, close: async () => {} };

  /** Forwards `from` to `to` chunk by chunk, each after the current delay, never out of order. */
  function pipe(from: Socket, to: Socket, reset: () => void) {
    let due = 0;
    from.on('data', (chunk: Buffer) => {
      const { delayMs, jitterMs, resetChance } = proxy.impairment;
      if (resetChance > 0 && random() < resetChance) return reset();
      if (delayMs === 0 && jitterMs === 0 && due <= Date.now()) return void to.write(chunk);
      due = Math.max(due, Date.now() + delayMs + (random() * 2 - 1) * jitterMs);
      setTimeout(() => to.writable && to.write(chunk), Math.max(0, due - Date.now()));
    });
    from.on('end', () => setTimeout(() => to.end(), Math.max(0, due - Date.now())));
  }

  const server: Server = createServer((client) => {
    const upstream = connect(proxy.targetPort, '127.0.0.1');
    open.add(client).add(upstream);
    const reset = () => {
      proxy.resets++;
      client.resetAndDestroy();
      upstream.resetAndDestroy();
    };
    pipe(client, upstream, reset);
    pipe(upstream, client, reset);
    for (const s of [client, upstream]) {
      s.on('error', () => (s === client ? upstream : client).destroy());
      s.on('close', () => {
        open.delete(s);
        (s === client ? upstream : client).destroy();
      });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  proxy.close = () => {
    for (const s of open) s.destroy();
    return new Promise((resolve) => server.close(() => resolve()));
  };
  return proxy;
}
