import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { projectShortName } from '../../protocol/project-name.ts';
import { BatchProgress } from '../../protocol/research.ts';
import { loadConfig } from '../config.ts';
import { startCoordinator, type Coordinator } from '../coordinator.ts';
import { tinyUnits } from '../testing/tiny-units.ts';
import { createProject } from './create-project.ts';
import { main, readUnits } from './terraflop.ts';

describe('terraflop command', () => {
  let dir: string;
  let coordinator: Coordinator;
  const env = () => ({ TERRAFLOP_DATA: dir, TERRAFLOP_CHAIN: 'off' });

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'terraflop-cli-'));
    coordinator = await startCoordinator(
      loadConfig({ ...env(), TERRAFLOP_PORT: '0', TERRAFLOP_DEMO: 'off', TERRAFLOP_WEB: dir }),
    );
  });

  afterEach(async () => {
    await coordinator.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('default: creates a project, submits a batch from JSON lines and reads its progress', async () => {
    const { apiKey } = await createProject('Comets', 'ada', env());
    expect(apiKey).toMatch(/^tf_/);
    const file = join(dir, 'units.jsonl');
    writeFileSync(
      file,
      tinyUnits(2)
        .map((u) => JSON.stringify(u.job))
        .join('\n'),
    );
    let printed = '';
    const out = (s: string) => {
      printed += s;
    };
    await main(['submit', '--url', coordinator.url, '--key', apiKey, '--name', 'comet sweep', file], out);
    const { batchId } = JSON.parse(printed) as { batchId: number };
    printed = '';
    await main(['progress', String(batchId), '--url', coordinator.url, '--key', apiKey], out);
    expect(BatchProgress.parse(JSON.parse(printed)).units).toMatchObject({ total: 2, waiting: 2 });
    printed = '';
    await main(['results', String(batchId), '--url', coordinator.url, '--key', apiKey], out);
    expect(printed).toBe('');
  });

  test("behavior: the operator sets a project's priority and share; its key cannot", async () => {
    const { apiKey } = await createProject('Comets', 'ada', env());
    const shortName = projectShortName('Comets');
    let printed = '';
    const out = (s: string) => {
      printed += s;
    };
    await main(['project', 'share', shortName, '--priority', '7', '--share', '250'], out, env());
    expect(JSON.parse(printed).settings).toMatchObject({ priority: 7, resourceShare: 250 });
    const settings = { ...JSON.parse(printed).settings, priority: 100 };
    const res = await fetch(new URL('api/research/project/settings', coordinator.url), {
      method: 'PUT',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify(settings),
    });
    expect(res.status).toBe(403);
    const share = (...args: string[]) => main(['project', 'share', ...args], out, env());
    await expect(share(shortName, '--priority', '101')).rejects.toThrow(/priority/);
    await expect(share('nowhere', '--share', '5')).rejects.toThrow(/no project .*"nowhere"/);
    await expect(share(shortName)).rejects.toThrow(/--priority N or --share S/);
  });

  test('error: bad arguments and refused requests say what is wrong', async () => {
    await expect(
      createProject('Comets', 'ada', env()).then(() => createProject('Comets', 'bob', env())),
    ).rejects.toThrow('a project named "Comets" already exists');
    await expect(main(['progress', 'x', '--key', 'k'])).rejects.toThrow(
      'progress needs a batch id (a positive integer), got x',
    );
    await expect(main(['progress', '1', '--url', coordinator.url, '--key', 'tf_nope'])).rejects.toThrow(
      'GET /api/research/batches/1: 401 UnauthorizedError: malformed API key',
    );
    expect(() => readUnits('{"app": 1}\nnot json')).toThrow('line 2 of the units file is not JSON');
  });

  test("behavior: the operator sets a project's tokens: a grant and a payer, by name", async () => {
    await createProject('Comets', 'ada', env());
    const payer = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8';
    const run = async (...args: string[]) => runAs('Comets', ...args);
    const runAs = async (name: string, ...args: string[]) => {
      let printed = '';
      const saved = { ...process.env };
      Object.assign(process.env, env());
      try {
        await main(['project', 'tokens', '--name', name, ...args], (s) => {
          printed += s;
        });
      } finally {
        process.env = saved;
      }
      return JSON.parse(printed) as unknown;
    };
    expect(await run('--grant', '--payer', payer)).toMatchObject({ grantsTokens: true, payer });
    expect(await run('--no-grant')).toMatchObject({ grantsTokens: false, payer });
    expect(await run('--payer', 'none')).toMatchObject({ grantsTokens: false, payer: null });
    await expect(run('--payer', '0x12')).rejects.toThrow('--payer must be an Ethereum address or none');
    await expect(runAs('Nope', '--grant')).rejects.toThrow('no project named "Nope"');
  });

  test('behavior: the bin shim runs the command under the system Node too', async () => {
    const run = promisify(execFile);
    const { stdout } = await run(
      existsSync('/usr/bin/node') ? '/usr/bin/node' : process.execPath,
      ['bin/terraflop.mjs', 'project', 'create', '--name', 'Shimmed'],
      { env: { ...process.env, ...env() } },
    );
    expect(JSON.parse(stdout)).toMatchObject({ projectId: 1, researcherId: 1 });
  });
});
