/**
 * @module web/lib/zod-jitless
 * Imported first by every page's entry, so that it runs before any module builds a schema. zod compiles each object
 * schema into a function (new Function) on its first parse: worth it for a server parsing the same shape millions
 * of times, but on a page each schema parses a handful of small replies, and the compilation was the longest task
 * after the first paint (≈ 10 ms per schema on a slow phone-class core). And each schema built before this runs
 * probes whether eval is allowed, which the pages' Content-Security-Policy refuses, reporting a violation.
 */
import { z } from 'zod';

z.config({ jitless: true });
