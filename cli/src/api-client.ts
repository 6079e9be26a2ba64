/**
 * The CLI's one way to the gateway's HTTP API: the same auth and validation as any other client. Calls
 * go through the typed client of the gateway's app (`hc<GatewayApp>`), so a renamed route, parameter or
 * field in the contracts breaks the CLI at compile time. Answers are parsed with the contracts' schemas
 * (the gateway is another process, possibly another version); problem+json becomes an ApiError (a
 * CliError). Credentials come from --token / STREAMHUB_TOKEN, else from the login `streamhub login`
 * saved, whose access token is renewed here, by itself, when it expires.
 */
import type { GatewayApp } from '@streamhub/api/app';
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { Option } from 'commander';
import { type ClientResponse, hc } from 'hono/client';
import type { SuccessStatusCode } from 'hono/utils/http-status';
import { z } from 'zod';
import type { CliContext } from './cli-context.ts';
import { CliError } from './cli-error.ts';
import {
  deleteSavedLogin,
  readSavedLogin,
  type SavedLogin,
  saveLogin,
  withLoginLock,
} from './saved-login.ts';

export interface ApiOptions {
  url?: string;
  token?: string;
}

/** Every route of the gateway, typed from its app: `routes.readyz.$get()`, `routes.api.v1.…`. */
export type GatewayClient = ReturnType<typeof hc<GatewayApp>>;

/** The body a typed call's 2xx answers carry, as its route declares it (a 204's reads as undefined). */
export type SuccessBody<R> =
  R extends ClientResponse<infer Body, infer Status, infer _Format>
    ? Status extends 204
      ? undefined
      : Status extends SuccessStatusCode
        ? Body
        : never
    : never;

export interface ApiClient {
  /** The gateway's origin, e.g. `http://127.0.0.1:3000`. */
  readonly origin: string;
  /** Every route of the gateway; calls carry the credentials and renew them like `send`. */
  readonly routes: GatewayClient;
  /** `routes.api.v1`: e.g. `api.read(api.v1.me.channel.$get(), ChannelSchema)`. */
  readonly v1: GatewayClient['api']['v1'];
  /**
   * Awaits a typed call: a problem answer throws an ApiError, a 2xx body is parsed with `schema`, which
   * must produce what the route declares (a schema that does not fit the route is a compile error).
   */
  read<R extends ClientResponse<unknown, number, string>, S extends z.ZodType<SuccessBody<R>>>(
    call: Promise<R>,
    schema: S,
  ): Promise<z.output<S>>;
  /**
   * A raw request (for protocols that are not JSON, such as tus) with the caller's credentials; a
   * network failure throws a CliError, an HTTP error answer is returned as it is. `init.body` must be
   * replayable (not a stream): a request refused for an expired token is sent again after renewal.
   */
  send(url: string | URL, init: RequestInit & { timeoutMs?: number }): Promise<Response>;
}

/** A problem+json answer of the gateway, with its status and stable code. */
export class ApiError extends CliError {
  override name = 'ApiError';
  constructor(
    message: string,
    readonly status: number,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

const TIMEOUT_MS = 15_000;
/** Renew a little before the access token's expiry, so that a request does not arrive just after it. */
const RENEW_MARGIN_MS = 1_000;

/** `--url` and `--token`, for every command that talks to the gateway. */
export const apiOptions = () => [
  new Option(
    '--url <url>',
    'gateway URL (env STREAMHUB_URL; default: the URL of `streamhub login`, else http://127.0.0.1:$PORT)',
  ),
  new Option('--token <token>', 'access token (env STREAMHUB_TOKEN; default: the saved `streamhub login`)'),
];

/** How a client authenticates: a fixed token, the saved login (renewed by itself) or nothing. */
interface Credentials {
  /** The access token to send now. */
  accessToken(): Promise<string>;
  /** Called after a 401 for `rejected`: a new token to retry with, or undefined to give up. */
  renew(rejected: string): Promise<string | undefined>;
}

/**
 * The client every command uses. `anonymous` skips credentials (for `login` and public endpoints);
 * `timeoutMs` bounds each request (default 15 s). URL: --url, STREAMHUB_URL, the saved login's URL,
 * then http://127.0.0.1:$PORT. Token: --token, STREAMHUB_TOKEN, then the saved login, but only for the
 * gateway it was made on.
 */
export async function connectApi(
  ctx: CliContext,
  options: ApiOptions,
  { anonymous = false, timeoutMs = TIMEOUT_MS }: { anonymous?: boolean; timeoutMs?: number } = {},
): Promise<ApiClient> {
  const explicitUrl = options.url ?? ctx.env.STREAMHUB_URL;
  const explicitToken = options.token ?? ctx.env.STREAMHUB_TOKEN;
  // Signing in again must work over a damaged file (it is replaced); anything else reports it.
  const saved =
    anonymous && explicitUrl
      ? undefined
      : await readSavedLogin(ctx).catch((error: unknown) => {
          if (anonymous) return undefined;
          throw error;
        });
  const base = parseBaseUrl(explicitUrl ?? saved?.url ?? `http://127.0.0.1:${ctx.env.PORT ?? '3000'}`);
  if (anonymous) return createClient(base, undefined, timeoutMs);
  if (explicitToken) return createClient(base, fixedToken(explicitToken), timeoutMs);
  if (!saved)
    throw new CliError('not logged in: run `streamhub login` (or pass --token / set STREAMHUB_TOKEN)');
  if (saved.url !== base.origin)
    throw new CliError(
      `you are logged in to ${saved.url}, not ${base.origin}: run \`streamhub login --url ${base.origin}\``,
    );
  return savedLoginClient(ctx, saved, timeoutMs);
}

/** A client on the saved login's gateway with its credentials, whatever --token or the env say. */
function savedLoginClient(ctx: CliContext, saved: SavedLogin, timeoutMs = TIMEOUT_MS): ApiClient {
  const base = parseBaseUrl(saved.url);
  return createClient(base, savedLoginCredentials(ctx, createClient(base, undefined), saved), timeoutMs);
}

/** Signs in with a password and saves the session for later commands (replacing any saved one). */
export async function logIn(ctx: CliContext, options: ApiOptions, email: string, password: string) {
  const api = await connectApi(ctx, options, { anonymous: true });
  const pair = await api.read(api.v1.auth.login.$post({ json: { email, password } }), TokenPairSchema);
  const login: SavedLogin = { version: 1, url: api.origin, email, ...tokenFields(pair) };
  await withLoginLock(ctx, () => saveLogin(ctx, login));
  return login;
}

/**
 * Ends the saved session on the gateway, then deletes the file. A session the gateway already ended
 * (revoked, expired) only needs the file deleted; a gateway that cannot be reached keeps the file so
 * that the logout can be tried again.
 */
export async function logOut(ctx: CliContext): Promise<{ url: string; revoked: boolean } | undefined> {
  const saved = await readSavedLogin(ctx);
  if (!saved) return undefined;
  let revoked = true;
  try {
    const api = savedLoginClient(ctx, saved);
    // A 204's empty body reads as undefined.
    await api.read(api.v1.auth.logout.$post(), z.undefined());
  } catch (error) {
    if (error instanceof SessionEndedError || (error instanceof ApiError && error.status === 401))
      revoked = false;
    else throw error;
  }
  await withLoginLock(ctx, () => deleteSavedLogin(ctx));
  return { url: saved.url, revoked };
}

/** The saved session cannot be renewed any more (revoked, expired or replayed). */
class SessionEndedError extends CliError {}

const tokenFields = (pair: TokenPair) => ({
  refreshToken: pair.refreshToken,
  accessToken: pair.accessToken,
  accessTokenExpiresAt: Date.now() + pair.expiresIn * 1000,
});

const fixedToken = (token: string): Credentials => ({
  accessToken: async () => token,
  renew: async () => undefined,
});

function savedLoginCredentials(ctx: CliContext, anonymous: ApiClient, initial: SavedLogin): Credentials {
  let current = initial;
  const fresh = (login: SavedLogin) => login.accessTokenExpiresAt - RENEW_MARGIN_MS > Date.now();

  // Under the lock, from the file as it is now: another process may have renewed while this one waited,
  // and then its tokens are the ones to use (the refresh token read earlier is already spent).
  const renew = (stale: string) =>
    withLoginLock(ctx, async () => {
      const latest = await readSavedLogin(ctx);
      if (!latest || latest.url !== initial.url)
        throw new SessionEndedError('the saved login was removed: run `streamhub login`');
      if (latest.accessToken !== stale && fresh(latest)) {
        current = latest;
        return latest.accessToken;
      }
      let pair: TokenPair;
      try {
        pair = await anonymous.read(
          anonymous.v1.auth.refresh.$post({ json: { refreshToken: latest.refreshToken } }),
          TokenPairSchema,
        );
      } catch (error) {
        if (!(error instanceof ApiError && error.status === 401)) throw error;
        // The session is over for good; a file that can only fail is not worth keeping.
        await deleteSavedLogin(ctx);
        throw new SessionEndedError(
          `your login to ${latest.url} has ended (${error.code}): run \`streamhub login\` again`,
        );
      }
      // Saved before the new access token is used, so that the file always holds the one live refresh token.
      current = { ...latest, ...tokenFields(pair) };
      await saveLogin(ctx, current);
      return current.accessToken;
    });

  return {
    accessToken: async () => (fresh(current) ? current.accessToken : renew(current.accessToken)),
    renew,
  };
}

function createClient(
  base: URL,
  credentials: Credentials | undefined,
  defaultTimeoutMs = TIMEOUT_MS,
): ApiClient {
  async function send(url: string | URL, init: RequestInit & { timeoutMs?: number }): Promise<Response> {
    const { timeoutMs = defaultTimeoutMs, ...rest } = init;
    const attempt = async (token: string | undefined) => {
      const headers = new Headers(rest.headers);
      if (token) headers.set('authorization', `Bearer ${token}`);
      try {
        return await fetch(url, { ...rest, headers, signal: AbortSignal.timeout(timeoutMs) });
      } catch (error) {
        const reason =
          error instanceof Error && error.name === 'TimeoutError'
            ? `no answer within ${timeoutMs} ms`
            : 'connection failed';
        throw new CliError(`cannot reach StreamHub at ${base.origin} (${reason})`);
      }
    };
    const token = await credentials?.accessToken();
    const response = await attempt(token);
    if (response.status !== 401 || !credentials || !token) return response;
    // Expired early (clock skew) or renewed meanwhile by another process: renew once and retry.
    const renewed = await credentials.renew(token);
    if (!renewed) return response;
    await response.body?.cancel();
    return attempt(renewed);
  }

  // hc builds the URL, query and JSON body; `send` adds the credentials, the timeout and the renewal.
  const routes = hc<GatewayApp>(base.origin, {
    // hc passes a string URL; `preconnect` only satisfies Bun's `typeof fetch`.
    fetch: Object.assign(
      (input: string | URL | Request, init?: RequestInit) =>
        send(input instanceof Request ? input.url : input, init ?? {}),
      { preconnect: fetch.preconnect },
    ),
    headers: { accept: 'application/json' },
  });

  return {
    origin: base.origin,
    routes,
    v1: routes.api.v1,
    send,
    async read(call, schema) {
      const response = await call;
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

/**
 * Path parameters for a typed call, percent-encoded: hc puts them into the path as they are, so a `/`
 * or `?` in an id would change the route.
 */
export function pathParams<P extends Record<string, string>>(params: P): P {
  const encoded: Record<string, string> = {};
  for (const [name, value] of Object.entries(params)) encoded[name] = encodeURIComponent(value);
  return encoded as P;
}

/** The one-line error for a problem+json answer (or for an answer that is not one). */
export function problemError(status: number, payload: unknown): ApiError {
  const problem = ProblemSchema.safeParse(payload);
  if (!problem.success) return new ApiError(`the gateway answered HTTP ${status}`, status, undefined);
  const { detail, code, errors } = problem.data;
  const fields = errors?.length ? `: ${errors.map((e) => `${e.path} ${e.message}`).join('; ')}` : '';
  return new ApiError(`${detail}${fields} (${code})`, status, code);
}

function parseBaseUrl(raw: string): URL {
  try {
    const url = new URL(raw);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {}
  throw new CliError(`--url must be an http(s) URL, got "${raw}"`);
}
