/**
 * @module web/lib/parse-each
 * Parses a list item by item, giving the event loop back every few milliseconds: a batch of 64 replicas takes zod
 * some 80 ms on a slow machine, more than the 50 ms that makes a long task on the page's main thread.
 */
import type { z } from 'zod';

const BUDGET_MS = 8;

const yieldToPage = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Every item parsed with `schema`; throws the first item's error with its index in the message. */
export async function parseEach<S extends z.ZodType>(schema: S, items: readonly unknown[]): Promise<z.infer<S>[]> {
  const parsed: z.infer<S>[] = [];
  let slice = performance.now();
  for (const [index, item] of items.entries()) {
    const result = schema.safeParse(item);
    if (!result.success) {
      throw new TypeError(
        `item ${index}: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
      );
    }
    parsed.push(result.data);
    if (performance.now() - slice > BUDGET_MS) {
      await yieldToPage();
      slice = performance.now();
    }
  }
  return parsed;
}
