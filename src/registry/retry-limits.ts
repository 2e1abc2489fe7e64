/**
 * How many retries there are by default and at most: plain numbers, apart from the retry loop
 * (which loads zod), so the CLI's help can state them without loading anything.
 */

/** Retries after the first attempt, by default: five attempts in all. */
export const DEFAULT_RETRIES = 4;
/** The most retries a caller may ask for. */
export const MAX_RETRIES = 10;
