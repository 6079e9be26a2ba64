/** The one way to create a domain router: OpenAPI-aware, with zod failures rendered as problem+json. */
import { OpenAPIHono } from '@hono/zod-openapi';
import { type FieldError, validationFailed } from '@streamhub/errors/app-error';
import type { ZodError } from 'zod';
import type { AppEnv } from '../context.ts';

export function fieldErrors(error: ZodError, target: string): FieldError[] {
  return error.issues.map((issue) => ({
    path: [target, ...issue.path.map(String)].join('.'),
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
