/**
 * The one error family services throw. The gateway renders it as RFC 9457
 * problem+json; the CLI prints its message on one line.
 */
import type { ErrorCode } from '@streamhub/contracts/problem';

export interface FieldError {
  /** Dotted path of the failing field, e.g. `body.email`. */
  path: string;
  message: string;
}

export interface AppErrorOptions {
  errors?: FieldError[];
  /** Extra response headers, e.g. `Retry-After`. */
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly errors: FieldError[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(status: number, code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.status = status;
    this.code = code;
    this.errors = options.errors;
    this.headers = options.headers;
  }
}

export const badRequest = (message: string, errors?: FieldError[]) =>
  new AppError(400, 'bad_request', message, { errors });

export const validationFailed = (errors: FieldError[]) =>
  new AppError(422, 'validation_failed', 'The request has invalid fields.', { errors });

export const unauthorized = (message = 'Authentication is required.') =>
  new AppError(401, 'unauthorized', message);

export const forbidden = (message = 'You are not allowed to do this.') =>
  new AppError(403, 'forbidden', message);

export const notFound = (what: string) => new AppError(404, 'not_found', `${what} was not found.`);

export const conflict = (message: string) => new AppError(409, 'conflict', message);

export const rateLimited = (retryAfterSeconds: number) =>
  new AppError(429, 'rate_limited', `Too many requests; retry in ${retryAfterSeconds} s.`, {
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
