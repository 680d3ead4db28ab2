import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { z } from 'zod';
import { BaseError } from '../../protocol/base-error.ts';
import { CoordinatorError, fetchCoordinator, readErrorReply } from '../../protocol/coordinator-error.ts';
import { serializeError } from '../../protocol/error-wire.ts';
import { ApiErrorBody } from '../../protocol/errors.ts';
import type { ResultEntry } from '../../protocol/work.ts';
import { KernelError, WasmLoadError } from '../../worker-kernels/errors.ts';
import { compileExample, EXAMPLE_MANIFEST } from '../../worker-kernels/custom/example/example-app.ts';
import { hashApiKey, newApiKey } from '../research/api-key.ts';
import { eventually, SimHost } from '../testing/sim-host.ts';
import { startTestCoordinator, type TestCoordinator } from '../testing/test-coordinator.ts';
import { ApiError, InvalidRequestError, renderError } from './errors.ts';

/** What a client of the coordinator gets: the error fetchCoordinator throws. */
async function refusal(url: URL, init: RequestInit = {}): Promise<CoordinatorError> {
  const error = await fetchCoordinator(url, init).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CoordinatorError);
  return error as CoordinatorError;
}

describe('coordinator to page: every refusal read by the one reader', () => {
  let running: TestCoordinator;
  let key: string;
  const at = (path: string) => new URL(path, running.coordinator.url);
  const asResearcher = (body?: unknown): RequestInit => ({
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  beforeAll(async () => {
    running = await startTestCoordinator();
    key = newApiKey();
    await running.research.createProject({ name: 'Errors lab', researcherName: 'R', keyHash: hashApiKey(key), now: 1 });
  }, 60_000);
  afterAll(() => running.close());

  test('default: name, message, details and cause cross over HTTP (an app refused for its module)', async () => {
    const module = Buffer.from(await compileExample()).toString('base64');
    const manifest = { ...EXAMPLE_MANIFEST, timeLimitMs: 20_000, imports: ['env.memory'] };
    const error = await refusal(at('api/research/apps'), asResearcher({ manifest, module }));
    expect(error).toMatchObject({ name: 'AppRefusedError', status: 400 });
    expect(error.message).toMatch(/^app refused: module imports env\.abort/);
    expect(error.details).toEqual({ status: 400 });
    expect(error.cause).toBeInstanceOf(BaseError);
    expect(error.cause).toMatchObject({ name: 'CustomAppError', details: { timedOut: false } });
  });

  test("behavior: the store's refusals keep their names and details; a schema failure its issues", async () => {
    const keys = await (await fetchCoordinator(at('api/research/researchers'), { ...asResearcher(), method: 'GET' }))
      .json()
      .then((b) => (b as { researchers: { keys: { keyId: number }[] }[] }).researchers[0]!.keys);
    const last = await refusal(at(`api/research/keys/${keys[0]!.keyId}/revoke`), asResearcher());
    expect(last).toMatchObject({ name: 'LastLiveKeyError', status: 409, details: { keyId: keys[0]!.keyId } });
    const invalid = await refusal(at('api/research/batches'), asResearcher({ name: 'x', units: 'none' }));
    expect(invalid.name).toBe('InvalidRequestError');
    expect(invalid.issues).toEqual([{ path: 'units', message: expect.any(String) }]);
    expect((await refusal(at('api/nowhere'))).name).toBe('NotFoundError');
    expect((await refusal(at('api/research/project'))).name).toBe('UnauthorizedError');
  });

  test("page to coordinator: a client error's cause chain is parsed and kept; a malformed one is refused", async () => {
    const units = [{ app: 'collatz', input: { start: 1, count: 10 } }];
    const limits = { minQuorum: 1, targetNresults: 1, maxErrorResults: 1, maxTotalResults: 1, delayBoundS: 600 };
    const created = await fetchCoordinator(at('api/research/batches'), asResearcher({ name: 'fails', units, limits }));
    const { batchId } = (await created.json()) as { batchId: number };
    const host = await SimHost.register(running.coordinator.url);
    const [assignment] = await host.requestWork(1);
    const entry = (error: unknown) => ({ status: 'error', replicaId: assignment!.replicaId, elapsedMs: 5, error });
    const deep = { name: 'A', message: 'a', cause: { name: 'B', message: 'b', cause: { name: 'C', message: 'c' } } };
    const tooDeep = { name: 'E', message: '0', cause: { ...deep, cause: { ...deep, cause: deep } } };
    const refused = await host.call('POST', 'api/results', { results: [entry(tooDeep)] });
    expect(refused.status).toBe(400);
    expect((await readErrorReply(refused)).issues?.[0]?.path).toMatch(/^results\.0\.error\.cause\.cause/);

    const wire = serializeError(
      new KernelError('collatz: no variant ran', {
        cause: new WasmLoadError('HTTP 404', { cause: new TypeError('x') }),
      }),
    );
    expect(await host.report([entry(wire) as ResultEntry])).toMatchObject({ accepted: [assignment!.replicaId] });
    await eventually(async () => {
      const progress = await fetchCoordinator(at(`api/research/batches/${batchId}`), {
        ...asResearcher(),
        method: 'GET',
      });
      const { errors } = (await progress.json()) as { errors: { kind: string; reason: string }[] };
      return errors.some(
        (e) => e.reason === 'KernelError: collatz: no variant ran (caused by WasmLoadError ← TypeError)',
      );
    });
  });

  test('error: no answer is a NetworkError, an answer without an error body an HttpError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(await refusal(new URL(`http://127.0.0.1:${port}/api/health`))).toMatchObject({
      name: 'NetworkError',
      status: 'network',
    });
    const proxyPage = new Response('<h1>502 Bad Gateway</h1>', { status: 502, statusText: 'Bad Gateway' });
    expect(await readErrorReply(proxyPage)).toMatchObject({
      name: 'HttpError',
      status: 502,
      message: 'the coordinator answered 502 Bad Gateway',
    });
    const newer = Response.json(
      { error: { name: 'FutureError', message: 'from a newer coordinator' } },
      { status: 400 },
    );
    expect(await readErrorReply(newer)).toMatchObject({ name: 'ApiError', message: 'from a newer coordinator' });
  });
});

describe('renderError', () => {
  class QuotaError extends BaseError {
    override name = 'QuotaError' as const;
  }
  const app = new Hono()
    .get('/own', () => {
      throw new ApiError(400, 'refused', {
        cause: new QuotaError('over quota', { cause: new Error('/srv/db: busy') }),
      });
    })
    .get('/schema', () => {
      throw new InvalidRequestError('thing', z.strictObject({ n: z.number() }).safeParse({}).error!);
    })
    .get('/bug', () => {
      throw new TypeError("cannot read properties of undefined (reading 'secret')");
    });
  app.onError(renderError);
  const body = async (path: string) => ApiErrorBody.parse(await (await app.request(path)).json()).error;

  test("default: an ApiError's own causes go out, a foreign cause (a driver's, a parser's) does not", async () => {
    expect(await body('/own')).toEqual({
      name: 'ApiError',
      message: 'refused',
      cause: { name: 'QuotaError', message: 'over quota' },
    });
    expect(await body('/schema')).toEqual({
      name: 'InvalidRequestError',
      message: 'invalid thing: n: Invalid input: expected number, received undefined',
      issues: [{ path: 'n', message: 'Invalid input: expected number, received undefined' }],
    });
  });

  test('error: anything else is a 500 InternalError that says nothing of the bug', async () => {
    const res = await app.request('/bug');
    expect(res.status).toBe(500);
    expect(ApiErrorBody.parse(await res.json()).error).toEqual({
      name: 'InternalError',
      message: 'internal error; the request changed nothing',
    });
  });
});
