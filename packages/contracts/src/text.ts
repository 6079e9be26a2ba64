/**
 * The text rules every string from a client obeys, whichever way it arrives (path, query, JSON body,
 * header, tus metadata, WebSocket frame): `text()` for any string, `humanText()` for text people read.
 * Contract schemas build their strings on these, so no field can forget them (docs/errors.md, Text).
 */
import { z } from '@hono/zod-openapi';

/**
 * U+0000, which PostgreSQL's `text` cannot hold (the query fails: a 500 if it got that far), and
 * UTF-16 halves without their pair, which have no UTF-8 form (drivers would store U+FFFD instead).
 */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * C0 controls other than tab and newline, DEL and the C1 controls (U+0080–U+009F, e.g. U+0085 NEXT
 * LINE): invisible, and they break rendering, logs and terminals.
 */
const CONTROL = /(?![\t\n])\p{Cc}/u;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL (U+0000) or unpaired surrogates';
export const CONTROL_CHARACTER_MESSAGE = 'must not contain control characters other than tab and newline';

/** True when PostgreSQL can store `value` as text exactly as given. */
export function isStorableText(value: string): boolean {
  return !value.includes('\u0000') && !LONE_SURROGATE.test(value);
}

/** True when `value` has a control character other than tab and newline (C0, DEL or C1). */
export function hasControlCharacter(value: string): boolean {
  return CONTROL.test(value);
}

/** Any string a client sends: tokens, passwords, cursors, search terms, identifiers. */
export const text = () => z.string().refine(isStorableText, UNSTORABLE_TEXT_MESSAGE);

/**
 * Text that people read (names, titles, messages): trimmed, line endings made `\n` (a Windows `\r\n`
 * is not refused as a control character), then `text()` without control characters.
 */
export const humanText = () =>
  z
    .string()
    .trim()
    .overwrite((value) => value.replace(/\r\n?/g, '\n'))
    .refine(isStorableText, UNSTORABLE_TEXT_MESSAGE)
    .refine((value) => !hasControlCharacter(value), CONTROL_CHARACTER_MESSAGE);

/**
 * Every string inside a parsed value that fails `isStorableText`, as dotted paths below `prefix`. For
 * checks at the edge that do not know the value's schema (a JSON body, a query string).
 */
export function unstorableTextPaths(value: unknown, prefix: string): string[] {
  if (typeof value === 'string') return isStorableText(value) ? [] : [prefix];
  if (Array.isArray(value))
    return value.flatMap((item, index) => unstorableTextPaths(item, `${prefix}.${index}`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, item]) => [
      ...(isStorableText(key) ? [] : [prefix]),
      ...unstorableTextPaths(item, `${prefix}.${key}`),
    ]);
  }
  return [];
}
