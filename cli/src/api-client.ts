/**
 * A small typed client of the gateway's HTTP API for the streamer commands: the same auth and validation
 * as any other client. Answers are parsed with the contracts' schemas; problem+json becomes a CliError.
 */
import { ProblemSchema } from '@streamhub/contracts/problem';
import { Option } from 'commander';
import type { z } from 'zod';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';

export interface ApiOptions {
  url?: string;
  token?: string;
}

export interface ApiClient {
  readonly origin: string;
  request<S extends z.ZodType>(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    schema: S,
    body?: unknown,
  ): Promise<z.output<S>>;
}

const TIMEOUT_MS = 15_000;

/** `--url` and `--token`, for every command that talks to the gateway. */
export const apiOptions = () => [
  new Option('--url <url>', 'gateway URL (env STREAMHUB_URL; default http://127.0.0.1:$PORT)'),
  new Option('--token <token>', 'access token (env STREAMHUB_TOKEN; from POST /api/v1/auth/login)'),
];

/** Env fallbacks come from the context, so in-process tests control them like a child's environment. */
export function createApiClient(ctx: CliContext, options: ApiOptions): ApiClient {
  const raw = options.url ?? ctx.env.STREAMHUB_URL ?? `http://127.0.0.1:${ctx.env.PORT ?? '3000'}`;
  const base = parseBaseUrl(raw);
  const token = options.token ?? ctx.env.STREAMHUB_TOKEN;
  if (!token) throw new CliError('an access token is needed: pass --token or set STREAMHUB_TOKEN');

  return {
    origin: base.origin,
    async request(method, path, schema, body) {
      const url = new URL(path, base);
      let response: Response;
      try {
        response = await fetch(url, {
          method,
          signal: AbortSignal.timeout(TIMEOUT_MS),
          headers: {
            accept: 'application/json',
            authorization: `Bearer ${token}`,
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === 'TimeoutError'
            ? `no answer within ${TIMEOUT_MS} ms`
            : 'connection failed';
        throw new CliError(`cannot reach StreamHub at ${base.origin} (${reason})`);
      }
      const payload: unknown = await response.json().catch(() => undefined);
      if (!response.ok) throw problemError(response.status, payload);
      const parsed = schema.safeParse(payload);
      if (!parsed.success) {
        throw new CliError(
          `${base.origin} did not answer like a StreamHub gateway (HTTP ${response.status})`,
        );
      }
      return parsed.data;
    },
  };
}

function problemError(status: number, payload: unknown): CliError {
  const problem = ProblemSchema.safeParse(payload);
  if (!problem.success) return new CliError(`the gateway answered HTTP ${status}`);
  const { detail, code, errors } = problem.data;
  const fields = errors?.length ? `: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : '';
  return new CliError(`${detail}${fields} (${code})`);
}

function parseBaseUrl(raw: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {}
  throw new CliError(`--url must be an http(s) URL, got "${raw}"`);
}
