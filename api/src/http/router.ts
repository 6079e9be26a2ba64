/** The one way to create a domain router: OpenAPI-aware, with zod failures rendered as problem+json. */
import { OpenAPIHono } from '@hono/zod-openapi';
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
    defaultHook: (result) => {
      if (!result.success) throw validationFailed(fieldErrors(result.error, result.target));
    },
  });
}
