/**
 * @module bench/registration
 * `npm run bench:registration`: what the registration proof of work costs one browser core. Headless Chromium runs
 * the page's solver (protocol/registration-work.ts) in a worker, on random challenges: first many easy ones, for the
 * rate of SHA-256 digests per second of the worker's CPU time (from Chromium's trace, so the machine's load does not
 * count), and WebCrypto's rate in the same run; then `--runs` at `--bits` (the coordinator's default), timed one by
 * one. Prints the expected seconds of one core at each difficulty near the default; last line: one JSON object.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { chromium } from '@playwright/test';
import { build } from 'vite';
import { CHROMIUM, CHROMIUM_ARGS } from '../playwright.config.ts';
import { DEFAULT_REGISTRATION_BITS } from '../protocol/registration-proof.ts';
import type { TraceEvent } from '../e2e/support/main-thread-cpu.ts';
import { describeMachine, machine } from './machine.ts';

const { values } = parseArgs({
  options: {
    bits: { type: 'string', default: String(DEFAULT_REGISTRATION_BITS) },
    runs: { type: 'string', default: '12' },
  },
});
const BITS = Number(values.bits);
const RUNS = Number(values.runs);
/** Easy challenges for the rate: enough digests (2^14 each) that the batches' rounding does not count. */
const RATE_BITS = 14;
const RATE_RUNS = 40;

/** The solver worker, bundled as the web app bundles it. */
async function workerScript(): Promise<string> {
  const out = await build({
    configFile: false,
    logLevel: 'warn',
    build: {
      write: false,
      lib: { entry: new URL('registration/solve-worker.ts', import.meta.url).pathname, formats: ['iife'], name: 'w' },
    },
  });
  const [bundle] = Array.isArray(out) ? out : [out];
  return (bundle as { output: Array<{ type: string; code?: string }> }).output.find((o) => o.type === 'chunk')!.code!;
}

// A page of its own on loopback (a secure context, for WebCrypto), serving the worker.
const script = await workerScript();
const server = createServer((req, res) => {
  if (req.url === '/worker.js') res.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
  else res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>registration bench</title>');
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;

const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
const page = await browser.newPage();
await page.goto(base);

/**
 * Solves `runs` random challenges of `bits` in one worker: each one's nonce and milliseconds, and the worker's
 * thread time from Chromium's trace (its CPU time, which the machine's load does not stretch as it does wall time).
 */
async function solve(bits: number, runs: number, webcrypto = false) {
  await browser.startTracing(page, { categories: ['toplevel', 'disabled-by-default-devtools.timeline'] });
  const times = await page.evaluate(
    async ({ bits, runs, webcrypto }) => {
      const worker = new Worker('/worker.js');
      const times: Array<{ nonce: number; ms: number }> = [];
      for (let i = 0; i < runs; i++) {
        const challenge = `${Date.now()}.${bits}.${crypto.randomUUID()}`;
        worker.postMessage({ challenge, bits, expiresAt: 0, webcrypto });
        times.push(await new Promise((resolve) => (worker.onmessage = (e) => resolve(e.data))));
      }
      worker.terminate();
      return times;
    },
    { bits, runs, webcrypto },
  );
  const { traceEvents } = JSON.parse((await browser.stopTracing()).toString('utf8')) as { traceEvents: TraceEvent[] };
  const threads = new Set(
    traceEvents
      .filter((e) => e.ph === 'M' && e.name === 'thread_name' && e.args?.name === 'DedicatedWorker thread')
      .map((e) => `${e.pid}:${e.tid}`),
  );
  const cpuMs = traceEvents
    .filter((e) => e.ph === 'X' && e.name === 'RunTask' && threads.has(`${e.pid}:${e.tid}`))
    .reduce((sum, e) => sum + (e.tdur ?? 0) / 1000, 0);
  const digests = times.reduce((sum, t) => sum + t.nonce + 1, 0);
  const wallMs = times.reduce((sum, t) => sum + t.ms, 0);
  return { times, perWallS: digests / (wallMs / 1000), perCpuS: digests / (cpuMs / 1000) };
}

const easy = await solve(RATE_BITS, RATE_RUNS);
const web = await solve(RATE_BITS, RATE_RUNS >> 2, true);
const rate = easy.perCpuS;
const at = (await solve(BITS, RUNS)).times;
await browser.close();
server.close();

const seconds = at.map((t) => t.ms / 1000).sort((a, b) => a - b);
const mean = seconds.reduce((a, b) => a + b, 0) / seconds.length;
const round = (x: number) => Math.round(x * 100) / 100;
const count = (x: number) => Math.round(x).toLocaleString('en');
console.log(`${describeMachine(machine())}; Chromium ${browser.version()}`);
console.log(
  `SHA-256 digests per second in one Chromium worker: ${count(rate)} per CPU second ` +
    `(${count(easy.perWallS)} per wall second at this load); WebCrypto's digest, same run: ` +
    `${count(web.perWallS)} per wall second (${round(easy.perWallS / web.perWallS)}× fewer)`,
);
for (let bits = BITS - 2; bits <= BITS + 2; bits++)
  console.log(`  ${bits} bits: ${round(2 ** bits / rate)} s of one core expected (2^${bits} digests)`);
console.log(
  `${RUNS} challenges at ${BITS} bits, wall time at this load: mean ${round(mean)} s, median ` +
    `${round(seconds[RUNS >> 1]!)} s, slowest ${round(seconds.at(-1)!)} s (solve times are exponential)`,
);
console.log(
  JSON.stringify({
    bits: BITS,
    digests_per_cpu_s: Math.round(rate),
    digests_per_wall_s: Math.round(easy.perWallS),
    webcrypto_digests_per_wall_s: Math.round(web.perWallS),
    expected_core_s: round(2 ** BITS / rate),
    mean_wall_s: round(mean),
    cpu: machine().cpu,
    load: machine().load[0],
  }),
);
