/**
 * Refuses text PostgreSQL cannot store (NUL, unpaired surrogates) in the URL path and the query
 * string, before any route runs. The contract schemas refuse it field by field (text.ts); this is the
 * net under routes that validate nothing (playback, watch pages, tus) or that a change forgets to.
 * JSON bodies are checked by the routers' validation hook (http/router.ts), after each route's own
 * body limit: reading them here would read bodies no limit has bounded yet (uploads, avatars).
 */
import { isStorableText, UNSTORABLE_TEXT_MESSAGE } from '@streamhub/contracts/text';
import { type FieldError, validationFailed } from '@streamhub/errors/app-error';
import type { Context } from 'hono';

// A percent-encoded NUL in the raw path, whatever Hono's decoding of the rest makes of it.
const ENCODED_NUL = /%00/;

function rawPath(url: string): string {
  const start = url.indexOf('/', url.indexOf('://') + 3);
  const end = url.search(/[?#]/);
  return url.slice(start, end === -1 ? undefined : end);
}

function queryErrors(c: Context): FieldError[] {
  const errors: FieldError[] = [];
  for (const [key, values] of Object.entries(c.req.queries())) {
    if (!isStorableText(key)) errors.push({ path: 'query', message: UNSTORABLE_TEXT_MESSAGE });
    else if (!values.every(isStorableText)) {
      errors.push({ path: `query.${key}`, message: UNSTORABLE_TEXT_MESSAGE });
    }
  }
  return errors;
}

/** Throws `validation_failed` (422) naming the path or the query parameters that hold unstorable text. */
export function assertStorableUrl(c: Context): void {
  const url = c.req.url;
  // A URL on the wire is ASCII: a NUL or a lone surrogate can only come out of decoding a `%` escape.
  // So a URL without one (nearly every request) needs no decoding and no check.
  if (!url.includes('%')) return;
  const errors: FieldError[] = [];
  if (!isStorableText(c.req.path) || ENCODED_NUL.test(rawPath(url))) {
    errors.push({ path: 'path', message: UNSTORABLE_TEXT_MESSAGE });
  }
  if (url.includes('?')) errors.push(...queryErrors(c));
  if (errors.length > 0) throw validationFailed(errors);
}
