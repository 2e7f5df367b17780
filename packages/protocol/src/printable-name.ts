import { z } from 'zod';

/**
 * Characters a name shown to people must not hold: controls (Cc: NUL, tab, newline…), invisible format
 * characters (Cf: bidi overrides and isolates, which make `gpu‮exe.1` read as `gpu1.exe`, zero-width
 * spaces and joiners, the byte order mark), line and paragraph separators (Zl, Zp) and lone surrogates
 * (Cs). They let a name forge a second line in a log, hide in a list or pass for another name.
 */
const UNPRINTABLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;
const EDGE_SPACE = /^\s|\s$/u;

/** What the rule asks for, in the words an error message uses. */
export const PRINTABLE_NAME_RULE =
  'printable characters only: no control characters, line breaks or invisible characters (such as bidi overrides or zero-width spaces), and no spaces at either end';

/** Why `s` is not a printable name, or undefined when it is one. */
export function printableNameProblem(s: string, max: number): string | undefined {
  if (s.length === 0) return 'must not be empty';
  if (s.length > max) return `at most ${max} characters`;
  if (UNPRINTABLE.test(s) || EDGE_SPACE.test(s)) return PRINTABLE_NAME_RULE;
  return undefined;
}

/**
 * The one rule for every name a person chooses and others see (host, token and node names, the host
 * name an agent reports, e-mail addresses…): 1 to `max` characters, printable. Routes may add a
 * narrower character set of their own on top (`.regex(...)`).
 */
export function printableName(max: number) {
  return z
    .string()
    .min(1, 'must not be empty')
    .max(max, `at most ${max} characters`)
    .refine((s) => !UNPRINTABLE.test(s) && !EDGE_SPACE.test(s), PRINTABLE_NAME_RULE);
}
