/**
 * @module protocol/display-name
 * A name others read (a volunteer on the leaderboards, a researcher on a project's page): printable text only. No
 * control characters (NUL, escapes, line breaks) and no bidirectional overrides or isolates, which make a name read
 * as another (U+202E turns "evil\u202Egnp.exe" into "evilexe.png") or reorder the text around it.
 */
import { z } from 'zod';

/** Control characters (Cc) and the bidirectional embedding, override and isolate controls. */
const UNPRINTABLE = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

/**
 * A trimmed name of 1 to `max` characters without control or bidi-override characters.
 * @example displayName(64).parse('Ada') // 'Ada'
 */
export const displayName = (max: number) =>
  z
    .string()
    .trim()
    .min(1)
    .max(max)
    .refine((s) => !UNPRINTABLE.test(s), 'must not contain control characters or bidirectional overrides');
