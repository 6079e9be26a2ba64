/** The one way to create a domain router: OpenAPI-aware, with zod failures rendered as problem+json. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { UNSTORABLE_TEXT_MESSAGE, unstorableTextPaths } from '@streamhub/contracts/text';
import { type FieldError, validationFailed } from '@streamhub/errors/app-error';
import type { ZodError } from 'zod';
import type { AppEnv } from '../context.ts';

// Clients think in request parts, not in Hono's validator targets.
const PART: Record<string, string> = {
  json: 'body',
  form: 'body',
  query: 'query',
  param: 'path',
  header: 'header',
};

export function fieldErrors(error: ZodError, target: string): FieldError[] {
  const part = PART[target] ?? target;
  return error.issues.map((issue) => ({
    path: [part, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

export function createRouter() {
  return new OpenAPIHono<AppEnv>({
    defaultHook: async (result, c) => {
      if (!result.success) throw validationFailed(fieldErrors(result.error, result.target));
      // The contract schemas refuse text PostgreSQL cannot store field by field (contracts/text.ts).
      // This is the net under them: any string of the JSON body as sent (unknown keys included, read
      // back from Hono's cache) or of a validated part that a schema forgot.
      const sent = result.target === 'json' ? await c.req.json() : result.data;
      const unstorable = unstorableTextPaths(sent, PART[result.target] ?? result.target);
      if (unstorable.length > 0) {
        throw validationFailed(unstorable.map((path) => ({ path, message: UNSTORABLE_TEXT_MESSAGE })));
      }
    },
  });
}
