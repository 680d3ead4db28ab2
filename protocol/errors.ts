/**
 * @module protocol/errors
 * The body of every 4xx and 5xx the coordinator sends: a name a program can switch on, a message a person can read,
 * and, for schema failures, where in the request each problem is.
 */
import { z } from 'zod';

export const ApiErrorBody = z.strictObject({
  error: z.strictObject({
    name: z.string(),
    message: z.string(),
    issues: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiErrorBody = z.infer<typeof ApiErrorBody>;
