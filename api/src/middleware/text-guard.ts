/**
 * Refuses text PostgreSQL cannot store (NUL, unpaired surrogates) in the URL path, the query string
 * and a JSON body, before any route runs. The contract schemas refuse it field by field (text.ts);
 * this is the net under routes that validate nothing, or that a future change forgets to validate.
 */
import { isStorableText, UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from '@streamhub/contracts/text';
import { type FieldError, validationFailed } from '@streamhub/errors/app-error';
import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { AppEnv } from '../context.ts';

// The media types Hono's validator reads as JSON.
const JSON_TYPE = /^application\/([a-z-.]+\+)?json(\s*;|$)/i;
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

async function bodyErrors(c: Context): Promise<FieldError[]> {
  if (c.req.method === 'GET' || c.req.method === 'HEAD') return [];
  if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) return [];
  let body: unknown;
  try {
    // Cached by Hono: the route's validator reads the same parsed value.
    body = await c.req.json();
  } catch {
    return []; // malformed JSON is the validator's to report (400 malformed_json)
  }
  return unstorableTextPaths(body, 'body').map((path) => ({ path, message: UNSTORABLE_TEXT_MESSAGE }));
}

export const textGuard = () =>
  createMiddleware<AppEnv>(async (c, next) => {
    const errors: FieldError[] = [];
    if (!isStorableText(c.req.path) || ENCODED_NUL.test(rawPath(c.req.url))) {
      errors.push({ path: 'path', message: UNSTORABLE_TEXT_MESSAGE });
    }
    if (c.req.url.includes('?')) errors.push(...queryErrors(c));
    errors.push(...(await bodyErrors(c)));
    if (errors.length > 0) throw validationFailed(errors);
    await next();
  });
