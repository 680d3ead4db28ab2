import { Hono } from 'hono';
import { describe, expect, test } from 'vitest';
import { chainRoutes } from './chain.ts';
import { renderError } from './errors.ts';

const app = new Hono().route('/', chainRoutes(undefined));
app.onError(renderError);

describe('chain routes with the chain off', () => {
  test('default: GET /chain says off', async () => {
    expect(await (await app.request('/chain')).json()).toEqual({ mode: 'off' });
  });
  test('error: epochs and claims are 404 ChainOffError; a bad address is 400 first', async () => {
    for (const path of ['/epochs', '/epochs/1.jsonl', '/chain/claims/0x00000000000000000000000000000000000000a1']) {
      const res = await app.request(path);
      expect(res.status).toBe(404);
      expect(((await res.json()) as { error: { name: string } }).error.name).toBe('ChainOffError');
    }
    const bad = await app.request('/chain/claims/not-an-address');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toMatch(
      /not an Ethereum address: "not-an-address"/,
    );
  });
});
