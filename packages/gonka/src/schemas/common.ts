import { z } from 'zod';

/**
 * Building blocks of the lenient parsers. Real releases add fields (so objects are loose) and v0.2.15
 * turned some numbers into strings (reference §5.6), so every integer accepts both.
 */
export const intish = z.union([
  z.number(),
  z
    .string()
    .regex(/^-?\d+$/, 'expected an integer')
    .transform(Number),
]);

/** A uint64 that may exceed 2^53 (seeds): kept as a decimal string. */
export const bigIntString = z.union([z.number(), z.string().regex(/^-?\d+$/)]).transform((v) => String(v));

export const isoTime = z.string().min(1);

export const loose = z.looseObject;
