/** Renders any thrown value as RFC 9457 problem+json. The only place errors become responses. */
import { PROBLEM_CONTENT_TYPE, type Problem } from '@streamhub/contracts/problem';
import { AppError } from '@streamhub/errors/app-error';
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from '../context.ts';

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  410: 'Gone',
  412: 'Precondition Failed',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Converts errors that did not come from our services (Hono's own, unknown throws) into an AppError. */
export function toAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (error instanceof HTTPException) {
    if (error.status === 400 && /malformed json/i.test(error.message)) {
      return new AppError(400, 'malformed_json', 'The request body is not valid JSON.');
    }
    if (error.status === 413) return new AppError(413, 'payload_too_large', 'The request body is too large.');
    if (error.status === 415) {
      return new AppError(415, 'unsupported_media_type', 'The request body must be application/json.');
    }
    if (error.status < 500) return new AppError(error.status, 'bad_request', error.message || 'Bad request.');
  }
  return new AppError(500, 'internal_error', 'An unexpected error occurred.', { cause: error });
}

export function problemResponse(c: Context<AppEnv>, error: AppError): Response {
  const body: Problem = {
    type: `urn:streamhub:problem:${error.code}`,
    title: TITLES[error.status] ?? 'Error',
    status: error.status,
    detail: error.message,
    code: error.code,
    instance: c.req.path,
    requestId: c.get('requestId'),
  };
  if (error.errors) body.errors = error.errors;
  const headers: Record<string, string> = { 'Content-Type': PROBLEM_CONTENT_TYPE, ...error.headers };
  return c.body(JSON.stringify(body), error.status as ContentfulStatusCode, headers);
}
