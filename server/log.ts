/**
 * @module server/log
 * The coordinator's structured log (pino, one JSON object a line on stdout): entity ids as fields and state changes
 * as `unit 42 active=>done`, so an operator can follow one unit, replica or host through the log by its id. Level
 * from TERRAFLOP_LOG_LEVEL: `info` by default, `silent` under the test runner unless a test asks for more.
 */
import { writeSync } from 'node:fs';
import type { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Decision, WorkEvents } from './passes/events.ts';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The default when TERRAFLOP_LOG_LEVEL is unset: tests stay quiet, a coordinator says what it does. */
export const defaultLogLevel = (): LogLevel => (process.env['VITEST'] ? 'silent' : 'info');

/**
 * To stdout, lines are gathered and written once a turn of the event loop (StdoutLines): a busy coordinator logs
 * thousands of lines a second (about two a unit), and a system call a line had cost about 4% of its CPU in
 * bench/coordinator.ts. A process killed outright may lose the lines of its last turns; `flushLog` (the
 * coordinator's close) writes them out.
 *
 * @example const log = createLogger('info'); log.info({ unit: 42 }, 'unit 42 active=>done')
 */
export function createLogger(level: LogLevel, destination?: { write(line: string): unknown }): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  return pino(options, destination ?? new StdoutLines(process.stdout));
}

/** The most characters of log lines that wait for stdout (seconds of a busy coordinator's lines). */
export const LOG_BUFFER_CHARS = 16 * 1024 * 1024;

/**
 * pino's destination on stdout. Each turn's lines go to `process.stdout` in one write, and Node's stream hands a pipe
 * or socket to libuv, which writes on as the reader takes it, without JavaScript between chunks. pino's own
 * (sonic-boom, asynchronous) wrote at most 16 KiB a turn and slept 100 ms at a full pipe: a coordinator turning its
 * loop a dozen times a second under load got 0.23 MB/s out while it logged 3 MB/s (bench/coordinator.ts), and kept
 * the rest in its heap without bound (+1.3 MB/s, 83% of the heap that outlived the bench's 40 s).
 *
 * What waits is bounded (LOG_BUFFER_CHARS, with what the stream holds): a reader slower than the coordinator (a log
 * shipper that stalls) gets its lines dropped and counted (LogDrops), not the coordinator's memory.
 */
export class StdoutLines {
  #lines: string[] = [];
  #chars = 0;
  #scheduled = false;
  readonly #out: Writable;
  readonly #limit: number;
  readonly drops: LogDrops;

  constructor(
    out: Writable,
    { limit = LOG_BUFFER_CHARS, say = (line: string) => process.stderr.write(`${line}\n`) } = {},
  ) {
    this.#out = out;
    this.#limit = limit;
    this.drops = new LogDrops(say);
    WAITING.add(this);
  }

  /** At exit, what still waits for its turn (a crash's last lines), written at once; ordered after the stream's. */
  writeOutAtExit(): void {
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.join('');
    this.#lines = [];
    const fd = (this.#out as { fd?: number }).fd;
    if (typeof fd === 'number') writeAllSync(fd, Buffer.from(chunk));
  }

  write(line: string): boolean {
    if (this.#chars + this.#out.writableLength + line.length > this.#limit) {
      this.drops.dropped();
      return true;
    }
    this.#lines.push(line);
    this.#chars += line.length;
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.#writeOut());
    }
    return true;
  }

  /** Writes out what waits; `done` once the stream has taken it (pino's `logger.flush`). */
  flush(done: (error?: Error | null) => void): void {
    this.#writeOut();
    this.#out.write('', done);
  }

  #writeOut(): void {
    this.#scheduled = false;
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.join('');
    this.#lines = [];
    this.#chars = 0;
    this.#out.write(chunk, () => this.drops.flowing());
  }
}

/**
 * Writes `bytes` to a descriptor that may be non-blocking (a pipe's reader may be a moment behind), waiting a
 * millisecond at a time for at most a second; past that the rest is lost, as a process killed outright loses it.
 */
function writeAllSync(fd: number, bytes: Buffer): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  let written = 0;
  for (let waits = 0; written < bytes.length && waits < 1000; ) {
    try {
      written += writeSync(fd, bytes, written);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      waits += 1;
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

/** Every StdoutLines made, for the one exit hook (weakly: a test's loggers come and go). */
const WAITING = new (class {
  readonly #writers = new Set<WeakRef<StdoutLines>>();
  add(writer: StdoutLines) {
    if (this.#writers.size === 0) process.once('exit', () => this.#atExit());
    this.#writers.add(new WeakRef(writer));
  }
  #atExit() {
    for (const ref of this.#writers) ref.deref()?.writeOutAtExit();
  }
})();

/**
 * Counts the lines dropped while stdout could not keep up, and says how many once it writes again, at most once every
 * SAY_EVERY_MS (a reader that keeps falling behind would otherwise get a notice per write).
 */
export class LogDrops {
  static readonly SAY_EVERY_MS = 10_000;
  #count = 0;
  #total = 0;
  #saidAt = -Infinity;
  readonly #say: (line: string) => void;
  readonly #now: () => number;
  constructor(say: (line: string) => void, now: () => number = () => performance.now()) {
    this.#say = say;
    this.#now = now;
  }
  dropped(): void {
    this.#count += 1;
    this.#total += 1;
  }
  flowing(): void {
    if (this.#count === 0 || this.#now() - this.#saidAt < LogDrops.SAY_EVERY_MS) return;
    this.#saidAt = this.#now();
    this.#say(
      `log: ${this.#count} lines dropped (${this.#total} since start): stdout's reader did not keep up while ` +
        `${LOG_BUFFER_CHARS / 1024 / 1024} Mi characters of lines waited`,
    );
    this.#count = 0;
  }
  get total(): number {
    return this.#total;
  }
}

/** Writes out the lines the log has not written yet. */
export function flushLog(log: Logger): Promise<void> {
  return new Promise((resolve) => log.flush(() => resolve()));
}

/**
 * Logs every state change the transitioner and validator committed, one line per decision: a pass decides a unit
 * and its replicas in one transaction, and the line says all of it, e.g.
 * `unit 42 active=>done; replica 84 init=>valid, replica 85 init=>valid`, with the ids as fields (`unit`, `batch`,
 * and `replicas`, one entry per replica that moved, with its host, outcome and credit). A line per replica moved
 * (half a dozen a unit) had made the log a quarter of a busy coordinator's CPU (docs/performance.md).
 */
export function logDecisions(log: Logger): WorkEvents {
  return {
    decided(queue, decisions) {
      if (!log.isLevelEnabled('info')) return;
      for (const d of decisions) logDecision(log, queue, d);
    },
  };
}

interface ReplicaMove {
  replica: number;
  host: number | null;
  moves: string;
  outcome: string | null;
  credit?: number | null;
}

function logDecision(log: Logger, pass: string, { before, changes }: Decision): void {
  const { unit } = before;
  const to = changes.unit?.state;
  const unitMoved = to !== undefined && to !== unit.state;
  const replicas = replicaMoves(before, changes);
  if (!unitMoved && replicas.length === 0 && !changes.newReplicas) return;
  const said: string[] = [];
  if (unitMoved) said.push(`${unit.state}=>${to}`);
  if (changes.newReplicas) said.push(`+${changes.newReplicas} replicas`);
  const head = `unit ${unit.id}${said.length > 0 ? ` ${said.join(' ')}` : ''}`;
  const msg =
    replicas.length === 0 ? head : `${head}; ${replicas.map((r) => `replica ${r.replica} ${r.moves}`).join(', ')}`;
  log.info(
    {
      pass,
      unit: unit.id,
      batch: unit.batchId,
      ...(unitMoved && { from: unit.state, to }),
      canonicalReplica: changes.unit?.canonicalReplicaId ?? undefined,
      failure: changes.unit?.failure,
      newReplicas: changes.newReplicas || undefined,
      replicas: replicas.length > 0 ? replicas : undefined,
    },
    msg,
  );
}

function replicaMoves({ replicas }: Decision['before'], changes: Decision['changes']): ReplicaMove[] {
  const was = new Map(replicas.map((r) => [r.id, r]));
  const moved: ReplicaMove[] = [];
  for (const p of changes.replicas ?? []) {
    const r = was.get(p.id);
    if (!r) continue;
    const moves: string[] = [];
    if (p.serverState && p.serverState !== r.serverState) moves.push(`${r.serverState}=>${p.serverState}`);
    if (p.validateState && p.validateState !== r.validateState) moves.push(`${r.validateState}=>${p.validateState}`);
    if (moves.length === 0) continue;
    moved.push({
      replica: r.id,
      host: r.hostId,
      moves: moves.join(' '),
      outcome: p.outcome ?? r.outcome,
      ...(p.validateState === 'valid' && { credit: p.grantedCredit ?? r.grantedCredit }),
    });
  }
  return moved;
}
