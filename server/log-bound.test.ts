import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { LOG_BUFFER_CHARS, LogDrops } from './log.ts';

const LOG_MODULE = fileURLToPath(new URL('./log.ts', import.meta.url));

/**
 * A coordinator's log to a stdout nobody reads: it logs `megabytes` of lines at info, then says on stderr how much
 * of its heap outlived a full collection, before and after.
 */
function floodWithStdoutUnread(megabytes: number) {
  const script = `
    const { createLogger } = await import(${JSON.stringify(LOG_MODULE)});
    const log = createLogger('info');
    const heap = () => { globalThis.gc(); const m = process.memoryUsage(); return m.heapUsed + m.external; };
    const before = heap();
    const detail = 'x'.repeat(900);
    for (let i = 0; i < ${megabytes} * 1000; i++) {
      log.info({ unit: i, detail }, 'unit ' + i + ' active=>done');
      if (i % 1000 === 0) await new Promise((r) => setImmediate(r));
    }
    process.stderr.write(JSON.stringify({ grewMb: (heap() - before) / 1e6 }) + '\\n');
  `;
  const child = spawn(process.execPath, ['--expose-gc', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Never read: the pipe fills and every line after waits in the coordinator's memory, or is dropped. (So its exit,
  // which writes out what waits, would wait forever: it is killed once it has reported.)
  child.stdout.pause();
  let stderr = '';
  return new Promise<{ grewMb: number }>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the flood exited (${code}) without a report: ${stderr}`)));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      const report = stderr.split('\n').find((l) => l.startsWith('{') && l.endsWith('}'));
      if (!report) return;
      child.removeAllListeners('exit');
      child.kill('SIGKILL');
      resolve(JSON.parse(report) as { grewMb: number });
    });
  });
}

describe('the log to stdout', () => {
  test('default: a reader that never reads costs at most the bounded buffer, not every line', async () => {
    // 64 MB of lines, four times the bound: unbounded, they would all wait in the heap.
    const { grewMb } = await floodWithStdoutUnread(64);
    expect(grewMb).toBeLessThan((LOG_BUFFER_CHARS * 1.5) / 1e6);
  }, 60_000);
});

/** A process that logs 5,000 lines, then exits: after `flushLog` when `flush`, at once otherwise. */
async function linesOfAProcessThatExits(flush: boolean): Promise<number[]> {
  const script = `
    const { createLogger, flushLog } = await import(${JSON.stringify(LOG_MODULE)});
    const log = createLogger('info');
    for (let i = 0; i < 5000; i++) log.info({ n: i }, 'line ' + i);
    ${flush ? 'await flushLog(log);' : ''}
    process.exit(0);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise((resolve) => child.once('close', resolve));
  expect(code).toBe(0);
  return out
    .trim()
    .split('\n')
    .map((l) => (JSON.parse(l) as { n: number }).n);
}

describe('the last lines', () => {
  const all = Array.from({ length: 5000 }, (_, i) => i);
  test("default: flushLog (the coordinator's close) hands every line to the reader, in order", async () => {
    expect(await linesOfAProcessThatExits(true)).toEqual(all);
  }, 60_000);
  test('a process that exits without it still writes the lines waiting for their turn', async () => {
    expect(await linesOfAProcessThatExits(false)).toEqual(all);
  }, 60_000);
});

describe('LogDrops', () => {
  test('counts dropped lines and says so once lines flow again, at most once every ten seconds', () => {
    const said: string[] = [];
    let now = 0;
    const drops = new LogDrops(
      (line) => said.push(line),
      () => now,
    );
    drops.flowing();
    expect(said).toEqual([]); // nothing dropped: nothing said
    drops.dropped();
    drops.dropped();
    drops.flowing();
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^log: 2 lines dropped \(2 since start\)/);
    drops.dropped();
    now = 5_000;
    drops.flowing(); // too soon after the last notice
    expect(said).toHaveLength(1);
    now = 10_000;
    drops.flowing();
    expect(said[1]).toMatch(/^log: 1 lines dropped \(3 since start\)/);
    expect(drops.total).toBe(3);
  });
});
