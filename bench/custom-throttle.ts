/**
 * @module bench/custom-throttle
 * `npx node bench/custom-throttle.ts`: the busy share of a researcher's app at a 50 % CPU limit, in Node's worker
 * threads. Units of the example app (docs/apps.md, ~0.2 s each) run one after another through the compute worker's
 * path (runThrottled, then the sandbox, which rests at the module's progress calls), for BENCH_S seconds (20 by
 * default) at 100 % and then at 50 %. Measured two ways: the busy time the sandbox counts over the wall clock, and the
 * process's CPU time (process.cpuUsage, the sandbox threads included) at 50 % over that at 100 %, which holds on a
 * shared machine where a busy thread gets less than a core. Last line: one JSON object.
 */
import { compileExample, EXAMPLE_MANIFEST, primeRange } from '../worker-kernels/custom/example/example-app.ts';
import { runThrottled } from '../worker-kernels/throttled-run.ts';
import { checkCustomModule } from '../worker-kernels/custom/check-module.ts';
import { cpuOptions } from '../worker-kernels/custom/run-unit.ts';
import { runCustomAppMetered } from '../worker-kernels/custom/runner.ts';
import { pickRestMode } from '../worker-kernels/custom/sandbox-rest.ts';

const SECONDS = Number(process.env['BENCH_S'] ?? 20);
const wasm = await compileExample();
const manifest = { ...EXAMPLE_MANIFEST, timeLimitMs: 60_000 };
const checked = checkCustomModule(wasm, manifest);
const hooks = { progress() {}, checkpoint() {}, resting() {} };
/** Numbers per unit: about a second of computing here. */
const UNIT = Number(process.env['BENCH_UNIT'] ?? 5_000_000);

interface Shares {
  wallMs: number;
  /** Busy time as the worker counts it (its duty cycle: the sandbox's start included), and as the sandbox does. */
  workerMs: number;
  sandboxMs: number;
  cpuMs: number;
  rests: number;
  units: number;
}

/** Units back to back at this limit for `seconds`, added to `into`. */
async function measure(limit: number, seconds: number, into: Shares) {
  const started = performance.now(),
    cpu = process.cpuUsage();
  for (let from = 0; performance.now() - started < seconds * 1000; from += 500_000) {
    const outcome = await runThrottled(limit, hooks, undefined, async (ctx) => {
      const input = primeRange(from, from + UNIT);
      const run = await runCustomAppMetered(checked, wasm, { input, ...cpuOptions(ctx) });
      into.sandboxMs += run.busyMs;
      into.rests += run.rests;
    });
    into.workerMs += outcome.busyMs;
    into.units++;
  }
  const used = process.cpuUsage(cpu);
  into.wallMs += performance.now() - started;
  into.cpuMs += (used.user + used.system) / 1000;
}

const empty = (): Shares => ({ wallMs: 0, workerMs: 0, sandboxMs: 0, cpuMs: 0, rests: 0, units: 0 });
const full = empty(),
  half = empty();
// Alternating halves, so that the machine's other load weighs on both limits alike.
for (let round = 0; round < 2; round++) {
  await measure(1, SECONDS / 2, full);
  await measure(0.5, SECONDS / 2, half);
}
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const line = (name: string, s: Shares) =>
  `${name}: busy share ${r3(s.workerMs / s.wallMs)} (worker) ${r3(s.sandboxMs / s.wallMs)} (sandbox), ` +
  `CPU share ${r3(s.cpuMs / s.wallMs)}, ${s.units} units, ${s.rests} rests in the sandbox`;
console.log(`rest by: ${pickRestMode()}; ${SECONDS} s at each limit, units of ${UNIT} numbers`);
console.log(line('100 %', full));
console.log(line(' 50 %', half));
console.log(
  JSON.stringify({
    throttle_set: 0.5,
    busy_measured: r3(half.workerMs / half.wallMs),
    sandbox_busy: r3(half.sandboxMs / half.wallMs),
    cpu_ratio: r3(half.cpuMs / half.wallMs / (full.cpuMs / full.wallMs)),
    rests: half.rests,
    units: half.units,
    rest_by: pickRestMode(),
  }),
);
