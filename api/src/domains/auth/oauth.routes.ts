/** `/api/v1/auth/oauth`: log in with GitHub or Google (authorization code flow with PKCE). */
import { createRoute } from '@hono/zod-openapi';
import { TokenPairSchema } from '@streamhub/contracts/auth';
import {
  OAuthCallbackQuerySchema,
  OAuthProviderParamsSchema,
  OAuthStartQuerySchema,
} from '@streamhub/contracts/oauth';
import type { Context } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import type { AppEnv } from '../../context.ts';
import { clientIp } from '../../http/client-ip.ts';
import { jsonResponse, problemResponse } from '../../http/responses.ts';
import { createRouter } from '../../http/router.ts';
import { requestLog } from '../../middleware/request-context.ts';
import { OAUTH_STATE_TTL_SECONDS, oauthCallbackUrl } from './oauth.service.ts';

const redirectResponse = (description: string) => ({
  description,
  headers: { Location: { schema: { type: 'string' as const }, description: 'Where the browser goes next' } },
});

const start = createRoute({
  method: 'get',
  path: '/{provider}/start',
  operationId: 'startOAuthLogin',
  tags: ['auth'],
  summary: 'Begin a login at GitHub or Google',
  description:
    'Open this in the browser. It redirects to the provider, which redirects back to the callback. ' +
    'With `redirectTo`, the callback ends at that path with the tokens in the URL fragment.',
  request: { params: OAuthProviderParamsSchema, query: OAuthStartQuerySchema },
  responses: {
    302: redirectResponse(
      "Redirect to the provider's authorization page; sets the `streamhub_oauth_state` cookie the callback requires",
    ),
    404: problemResponse('The provider is unknown or not configured (`not_found`)'),
    422: problemResponse('`redirectTo` is not a path on this site (`validation_failed`)'),
    429: problemResponse('Too many requests (`rate_limited`)'),
  },
});

const callback = createRoute({
  method: 'get',
  path: '/{provider}/callback',
  operationId: 'completeOAuthLogin',
  tags: ['auth'],
  summary: 'Where the provider sends the browser back; opens a session',
  description:
    'Register `{PUBLIC_URL}/api/v1/auth/oauth/{provider}/callback` at the provider. The account linked ' +
    'to the external identity logs in; else the account with the same (provider-verified) email is ' +
    'linked; else a new account is created.',
  request: { params: OAuthProviderParamsSchema, query: OAuthCallbackQuerySchema },
  responses: {
    200: jsonResponse(TokenPairSchema, 'Signed in (the login began without `redirectTo`)'),
    302: redirectResponse(
      'Signed in: redirect to `redirectTo#access_token=…&refresh_token=…&expires_in=…`. A login begun ' +
        'with `redirectTo` that fails after its state is proven also ends there, with ' +
        '`#oauth_error=<the code below>&provider=…` instead of a problem document',
    ),
    400: problemResponse(
      'The state is unknown, expired, used, for another provider or not the one this browser was given ' +
        '(`invalid_oauth_state`); the user or ' +
        'the provider refused the login (`oauth_denied`); no code (`bad_request`)',
    ),
    403: problemResponse(
      'The provider has no verified email and no account is linked (`oauth_email_unverified`); the ' +
        'account is suspended (`account_suspended`)',
    ),
    404: problemResponse('The provider is unknown or not configured (`not_found`)'),
    422: problemResponse('A query parameter is malformed (`validation_failed`)'),
    429: problemResponse('Too many requests (`rate_limited`)'),
    502: problemResponse('The provider is unreachable or answered unexpectedly (`oauth_provider_error`)'),
  },
});

/**
 * Binds a login to the browser that began it: the callback only accepts the state this cookie holds.
 * Lax, not Strict, because the provider's redirect back is a cross-site navigation; scoped to the
 * callback path so no other request carries it.
 */
const STATE_COOKIE = 'streamhub_oauth_state';

const stateCookieOptions = (c: Context<AppEnv>, provider: string) => ({
  path: new URL(oauthCallbackUrl(c.var.config.publicUrl, provider)).pathname,
  httpOnly: true,
  secure: c.var.config.publicUrl.startsWith('https:'),
  sameSite: 'Lax' as const,
});

export const oauthRoutes = () =>
  createRouter()
    .openapi(start, async (c) => {
      const { provider } = c.req.valid('param');
      const { authorizeUrl, state } = await c.var.deps.services.oauth.start(
        provider,
        c.req.valid('query').redirectTo,
      );
      setCookie(c, STATE_COOKIE, state, {
        ...stateCookieOptions(c, provider),
        maxAge: OAUTH_STATE_TTL_SECONDS,
      });
      return c.redirect(authorizeUrl, 302);
    })
    .openapi(callback, async (c) => {
      const { provider } = c.req.valid('param');
      const result = await c.var.deps.services.oauth.complete(
        provider,
        c.req.valid('query'),
        getCookie(c, STATE_COOKIE),
        { userAgent: c.req.header('user-agent'), ip: clientIp(c, c.var.deps) },
      );
      deleteCookie(c, STATE_COOKIE, stateCookieOptions(c, provider));
      // Tokens must not be kept by any cache between here and the client (RFC 6749 §5.1).
      c.header('Cache-Control', 'no-store');
      // A failure sent back to the page skips the error handler, which would have logged the cause.
      if (result.kind === 'redirect' && result.failure && result.failure.status >= 500) {
        requestLog(c).error({ err: result.failure }, 'OAuth login failed');
      }
      if (result.kind === 'redirect') return c.redirect(result.location, 302);
      return c.json(result.tokens, 200);
    });
