/**
 * @module server/http/parse
 * Where trust ends: a request body is read as JSON and parsed with its protocol schema, or refused with a 400 that
 * names each problem. Handlers only ever see parsed values.
 */
import type { Context } from 'hono';
import type { z } from 'zod';
import { InvalidRequestError, MalformedBodyError } from './errors.ts';

export async function parseBody<S extends z.ZodType>(c: Context, schema: S, what: string): Promise<z.infer<S>> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch (cause) {
    throw new MalformedBodyError(cause);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new InvalidRequestError(what, parsed.error);
  return parsed.data;
}
