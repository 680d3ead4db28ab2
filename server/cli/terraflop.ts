/**
 * @module server/cli/terraflop
 * The `terraflop` command (npx terraflop …): submit a batch, watch its progress and download its canonical results
 * through the HTTP API with a project's API key; and, for the coordinator's operator, create a project and set its
 * priority and resource share.
 *
 * @example
 *   TERRAFLOP_API_KEY=tf_… npx terraflop submit --name sweep units.jsonl
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { createProject } from './create-project.ts';
import { setProjectShare } from './project-share.ts';
import { projectTokens } from './project-tokens.ts';
import { BaseError } from '../../protocol/base-error.ts';
import { CoordinatorError, fetchCoordinator } from '../../protocol/coordinator-error.ts';

const USAGE = `usage:
  terraflop submit --name NAME FILE     submit a batch; FILE holds one unit input per line ({"app": …, "input": …})
                                        or a JSON array of them
  terraflop progress BATCH              print a batch's progress (JSON)
  terraflop results BATCH [--after ID]  print a batch's canonical results (JSON lines)
  terraflop train FILE                  submit a training job; FILE holds its JSON ({"name", "model", "rounds",
                                        "hyper"}: protocol/training-job.ts)
  terraflop training JOB                print a training job and its rounds' losses and accuracy (JSON)
  terraflop model JOB [--out FILE]      download a training job's newest model (JSON; to stdout without --out)
  terraflop project create --name NAME [--researcher NAME]
                                        create a project in the coordinator's database and print its API key
  terraflop project share SHORT-NAME [--priority N] [--share S]
                                        set a project's priority (-100..100) and resource share in the coordinator's
                                        database (the operator's: a project key cannot)
  terraflop project tokens --name NAME [--grant | --no-grant] [--payer ADDRESS | --payer none]
                                        whether the project's credit mints COP unpaid (granted by the operator), and
                                        the address whose market escrows pay for its batches
options: --url URL (or TERRAFLOP_URL, default http://127.0.0.1:8080/), --key KEY (or TERRAFLOP_API_KEY)`;

class UsageError extends BaseError {
  override name = 'UsageError' as const;
}

export function readUnits(text: string): unknown[] {
  const trimmed = text.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as unknown[];
  return trimmed
    .split('\n')
    .filter((l) => l.trim())
    .map((line, i) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        throw new UsageError(`line ${i + 1} of the units file is not JSON`);
      }
    });
}

async function api(
  url: string,
  key: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<Response> {
  if (!key) throw new UsageError('no API key: pass --key or set TERRAFLOP_API_KEY');
  try {
    return await fetchCoordinator(new URL(path, url), {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
  } catch (e) {
    if (!(e instanceof CoordinatorError)) throw e;
    const status = e.status === 'network' ? `cannot reach ${url}` : `${e.status} ${e.name}`;
    throw new CoordinatorError(e.name, `${method} ${path}: ${status}: ${e.message}`, e.status, { cause: e });
  }
}

/** `project share`: its arguments checked, then the operator's change made in the database. */
function share(
  shortName: string | undefined,
  values: { priority?: string | undefined; share?: string | undefined },
  env: NodeJS.ProcessEnv,
) {
  if (!shortName || (values.priority === undefined && values.share === undefined))
    throw new UsageError('project share needs a project short name and --priority N or --share S');
  const number = (flag: string, v: string | undefined) => {
    if (v === undefined) return undefined;
    if (!Number.isFinite(Number(v)) || v.trim() === '') throw new UsageError(`--${flag} needs a number, got ${v}`);
    return Number(v);
  };
  return setProjectShare(
    shortName,
    {
      priority: number('priority', values.priority),
      resourceShare: number('share', values.share),
    },
    env,
  );
}

function trainingPath(job: string | undefined): string {
  if (!job || !/^\d+$/.test(job))
    throw new UsageError(`needs a training job id (a positive integer), got ${job ?? 'nothing'}`);
  return `/api/research/training-jobs/${job}`;
}

export async function main(
  argv: string[],
  out: (s: string) => void = (s) => process.stdout.write(s),
  env: NodeJS.ProcessEnv = process.env,
): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' },
      key: { type: 'string' },
      name: { type: 'string' },
      researcher: { type: 'string' },
      after: { type: 'string' },
      priority: { type: 'string' },
      share: { type: 'string' },
      grant: { type: 'boolean' },
      'no-grant': { type: 'boolean' },
      payer: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const url = values.url ?? process.env['TERRAFLOP_URL'] ?? 'http://127.0.0.1:8080/';
  const key = values.key ?? process.env['TERRAFLOP_API_KEY'];
  const [command, arg] = positionals;
  const batch = () => {
    if (!arg || !/^\d+$/.test(arg))
      throw new UsageError(`${command} needs a batch id (a positive integer), got ${arg ?? 'nothing'}`);
    return arg;
  };
  switch (command) {
    case 'submit': {
      if (!values.name || !arg) throw new UsageError('submit needs --name NAME and a FILE');
      const res = await api(url, key, 'POST', '/api/research/batches', {
        name: values.name,
        units: readUnits(readFileSync(arg, 'utf8')),
      });
      return out(`${JSON.stringify(await res.json())}\n`);
    }
    case 'progress':
      return out(
        `${JSON.stringify(await (await api(url, key, 'GET', `/api/research/batches/${batch()}`)).json(), null, 2)}\n`,
      );
    case 'results': {
      const after = values.after ? `?after=${encodeURIComponent(values.after)}` : '';
      return out(await (await api(url, key, 'GET', `/api/research/batches/${batch()}/results${after}`)).text());
    }
    case 'train': {
      if (!arg) throw new UsageError('train needs a FILE');
      const res = await api(url, key, 'POST', '/api/research/training-jobs', JSON.parse(readFileSync(arg, 'utf8')));
      return out(`${JSON.stringify(await res.json(), null, 2)}\n`);
    }
    case 'training':
      return out(`${JSON.stringify(await (await api(url, key, 'GET', trainingPath(arg))).json(), null, 2)}\n`);
    case 'model': {
      const text = await (await api(url, key, 'GET', `${trainingPath(arg)}/model`)).text();
      if (!values.out) return out(text);
      writeFileSync(values.out, text);
      return out(`wrote ${values.out}\n`);
    }
    case 'project': {
      if (arg === 'share') return out(`${JSON.stringify(await share(positionals[2], values, env))}\n`);
      if (arg === 'tokens') {
        if (!values.name) throw new UsageError('project tokens needs --name NAME');
        const grant = values.grant ? true : values['no-grant'] ? false : undefined;
        const set = await projectTokens({ name: values.name, grant, payer: values.payer });
        return out(`${JSON.stringify(set)}\n`);
      }
      if (arg !== 'create' || !values.name) throw new UsageError('project create needs --name NAME');
      return out(`${JSON.stringify(await createProject(values.name, values.researcher ?? 'researcher'))}\n`);
    }
    default:
      throw new UsageError(command ? `unknown command ${command}` : 'no command');
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).catch((e: unknown) => {
    console.error(
      e instanceof UsageError ? `${e.message}\n${USAGE}` : `terraflop: ${e instanceof Error ? e.message : String(e)}`,
    );
    process.exit(1);
  });
}
