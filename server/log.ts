/**
 * @module server/log
 * The coordinator's structured log (pino, one JSON object a line on stdout): entity ids as fields and state changes
 * as `unit 42 active=>done`, so an operator can follow one unit, replica or host through the log by its id. Level
 * from TERRAFLOP_LOG_LEVEL: `info` by default, `silent` under the test runner unless a test asks for more.
 */
import { pino, type Logger } from 'pino';
import type { Decision, WorkEvents } from './passes/events.ts';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** The default when TERRAFLOP_LOG_LEVEL is unset: tests stay quiet, a coordinator says what it does. */
export const defaultLogLevel = (): LogLevel => (process.env['VITEST'] ? 'silent' : 'info');

/**
 * To stdout, lines are written without waiting (sonic-boom's asynchronous mode): those logged while a write is out
 * go together in the next, so a busy coordinator, which logs half a dozen state changes a unit (thousands of lines a
 * second), makes a few writes a second rather than one system call a line (about 4% of its CPU in
 * bench/coordinator.ts), and an idle one still writes each line at once. A process killed outright may lose the
 * lines of its last write; `close()` and any exit write them out.
 *
 * The lines waiting are bounded (LOG_BUFFER_BYTES). A reader of stdout slower than the coordinator (a log shipper
 * that stalls, a pipe nobody drains fast enough) fills the pipe, and sonic-boom then retries every 100 ms, writing
 * one pipe's worth (64 KiB) each time: unbounded, the waiting lines grew by 1.3 MB a second in bench/coordinator.ts
 * (83% of the heap that outlived its 40 s). Past the bound a line is dropped and counted instead, and the count
 * goes to stderr once the lines flow again (LogDrops): a coordinator's memory must not depend on its log's reader.
 *
 * @example const log = createLogger('info'); log.info({ unit: 42 }, 'unit 42 active=>done')
 */
export function createLogger(level: LogLevel, destination?: { write(line: string): unknown }): Logger {
  const options = { level, base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime };
  if (destination) return pino(options, destination);
  const stdout = pino.destination({ dest: 1, sync: false, maxLength: LOG_BUFFER_BYTES });
  const drops = new LogDrops((line) => process.stderr.write(`${line}\n`));
  stdout.on('drop', () => drops.dropped());
  stdout.on('write', () => drops.flowing());
  return pino(options, stdout);
}

/** The most bytes of log lines that wait for stdout (a few seconds of a busy coordinator's lines). */
export const LOG_BUFFER_BYTES = 16 * 1024 * 1024;

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
        `${LOG_BUFFER_BYTES / 1024 / 1024} MiB of lines waited`,
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
