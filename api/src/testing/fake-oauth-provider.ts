/**
 * A real HTTP server on 127.0.0.1 that plays GitHub and Google for OAuth tests: authorize (checks the
 * client, the redirect URI and the S256 challenge, then redirects back with a code), token (checks
 * the code, the PKCE verifier and the client secret) and the user endpoints. Strict where the real
 * providers are strict, so a test passing here means the gateway speaks the protocol, not that a mock
 * said yes.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EnvSource } from '@streamhub/config/config';
import type { OAuthProviderName } from '@streamhub/contracts/oauth';

/** The user a provider reports; each test sets its own. */
export interface FakeOAuthUser {
  /** GitHub's numeric id or Google's `sub`. */
  id: string;
  /** GitHub only. */
  login?: string;
  name?: string | null;
  email: string;
  emailVerified: boolean;
}

export type FakeEndpoint = 'token' | 'user';

export interface FakeOAuthProvider {
  /** `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** GITHUB_* and GOOGLE_* variables pointing the gateway at this server. */
  env(): EnvSource;
  /** The user the next authorizations of `provider` log in as. */
  setUser(provider: OAuthProviderName, user: FakeOAuthUser): void;
  /** Makes the user deny the next authorization: the redirect carries `error=access_denied`. */
  denyNext(): void;
  /** Answers the next request to `endpoint` with `status` and a non-OAuth body, like an outage. */
  failNext(endpoint: FakeEndpoint, status: number): void;
  /**
   * Plays the browser at the provider: opens `authorizeUrl` and returns the callback URL the provider
   * redirects to. Rejects when the provider refuses the request (wrong client, redirect URI, PKCE).
   */
  authorize(authorizeUrl: string): Promise<URL>;
  close(): Promise<void>;
}

export interface FakeOAuthProviderOptions {
  /** The gateway's PUBLIC_URL, to check `redirect_uri` against. */
  publicUrl: string;
  /**
   * Show a consent page (an "Authorize" and a "Cancel" button) before redirecting back, as the real
   * providers do on a first login, for a browser to click through. Off: authorize redirects at once.
   */
  consentPage?: boolean;
}

interface IssuedCode {
  provider: OAuthProviderName;
  clientId: string;
  redirectUri: string;
  codeChallenge: string;
  user: FakeOAuthUser;
}

/** An authorization the provider accepted, to be answered with a code or a denial. */
interface AuthorizationRequest {
  provider: OAuthProviderName;
  redirectUri: string;
  state: string;
  challenge: string;
  user: FakeOAuthUser;
}

const GITHUB_SCOPE = 'read:user user:email';
const GOOGLE_SCOPE = 'openid email profile';

export async function startFakeOAuthProvider(options: FakeOAuthProviderOptions): Promise<FakeOAuthProvider> {
  const clientId = `client-${randomBytes(4).toString('hex')}`;
  const clientSecret = `secret-${randomBytes(8).toString('hex')}`;
  const users = new Map<OAuthProviderName, FakeOAuthUser>();
  const codes = new Map<string, IssuedCode>();
  const accessTokens = new Map<string, { provider: OAuthProviderName; user: FakeOAuthUser }>();
  const failures = new Map<FakeEndpoint, number>();
  // Authorizations waiting on the consent page's answer, by the id its form posts back.
  const pendingConsents = new Map<string, AuthorizationRequest>();
  let deny = false;

  const expectedRedirectUri = (provider: OAuthProviderName) =>
    `${options.publicUrl}/api/v1/auth/oauth/${provider}/callback`;

  function authorize(provider: OAuthProviderName, query: URLSearchParams, res: ServerResponse) {
    const redirectUri = query.get('redirect_uri') ?? '';
    const state = query.get('state');
    const challenge = query.get('code_challenge') ?? '';
    const problems = [
      query.get('client_id') !== clientId && 'unknown client_id',
      redirectUri !== expectedRedirectUri(provider) && `redirect_uri ${redirectUri} is not registered`,
      query.get('response_type') !== 'code' && 'response_type must be code',
      query.get('scope') !== (provider === 'github' ? GITHUB_SCOPE : GOOGLE_SCOPE) && 'unexpected scope',
      !state && 'state is missing',
      query.get('code_challenge_method') !== 'S256' && 'code_challenge_method must be S256',
      !/^[A-Za-z0-9_-]{43}$/.test(challenge) && 'code_challenge is not a SHA-256 in base64url',
    ].filter(Boolean);
    if (problems.length > 0)
      return send(res, 400, { error: 'invalid_request', error_description: problems.join('; ') });
    const user = users.get(provider);
    if (!user) return send(res, 500, { error: `no user set for ${provider}` });
    const request = { provider, redirectUri, state: state ?? '', challenge, user };
    if (!options.consentPage) {
      const denied = deny;
      deny = false;
      return redirectBack(res, request, denied);
    }
    const id = randomBytes(8).toString('hex');
    pendingConsents.set(id, request);
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(consentHtml(provider, user, id));
  }

  async function consent(req: IncomingMessage, res: ServerResponse) {
    const form = new URLSearchParams(await readBody(req));
    const id = form.get('request') ?? '';
    const request = pendingConsents.get(id);
    pendingConsents.delete(id);
    if (!request) return send(res, 400, { error: 'unknown authorization request' });
    redirectBack(res, request, form.get('decision') !== 'allow');
  }

  function redirectBack(res: ServerResponse, request: AuthorizationRequest, denied: boolean) {
    const back = new URL(request.redirectUri);
    if (denied) {
      back.searchParams.set('error', 'access_denied');
      back.searchParams.set('error_description', 'The user has denied your application access.');
    } else {
      const code = randomBytes(16).toString('hex');
      codes.set(code, {
        provider: request.provider,
        clientId,
        redirectUri: request.redirectUri,
        codeChallenge: request.challenge,
        user: request.user,
      });
      back.searchParams.set('code', code);
    }
    back.searchParams.set('state', request.state);
    res.writeHead(302, { Location: back.toString() }).end();
  }

  async function token(
    provider: OAuthProviderName,
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<void> {
    const form = new URLSearchParams(await readBody(req));
    // GitHub's quirk, kept so the gateway must ask for JSON: without it the answer is form-encoded.
    const wantsJson = provider === 'google' || (req.headers.accept ?? '').includes('application/json');
    const reply = (status: number, body: Record<string, string | number>) => {
      if (wantsJson) return send(res, status, body);
      const encoded = new URLSearchParams(
        Object.entries(body).map(([k, v]): [string, string] => [k, String(v)]),
      );
      res.writeHead(status, { 'Content-Type': 'application/x-www-form-urlencoded' }).end(encoded.toString());
    };
    // GitHub reports OAuth errors with 200; Google with 400 (401 for a bad client).
    const refuse = (githubError: string, googleError: string, googleStatus = 400) =>
      provider === 'github'
        ? reply(200, { error: githubError, error_description: githubError.replaceAll('_', ' ') })
        : reply(googleStatus, { error: googleError, error_description: googleError.replaceAll('_', ' ') });

    if (form.get('client_id') !== clientId || form.get('client_secret') !== clientSecret) {
      return refuse('incorrect_client_credentials', 'invalid_client', 401);
    }
    if (provider === 'google' && form.get('grant_type') !== 'authorization_code') {
      return refuse('unsupported_grant_type', 'unsupported_grant_type');
    }
    const code = form.get('code') ?? '';
    const issued = codes.get(code);
    // A code is single use whatever the outcome, as at the real providers.
    codes.delete(code);
    const verifier = form.get('code_verifier') ?? '';
    if (
      !issued ||
      issued.provider !== provider ||
      issued.redirectUri !== form.get('redirect_uri') ||
      createHash('sha256').update(verifier).digest('base64url') !== issued.codeChallenge
    ) {
      return refuse('bad_verification_code', 'invalid_grant');
    }
    const accessToken = randomBytes(16).toString('hex');
    accessTokens.set(accessToken, { provider, user: issued.user });
    return provider === 'github'
      ? reply(200, { access_token: accessToken, token_type: 'bearer', scope: 'read:user,user:email' })
      : reply(200, {
          access_token: accessToken,
          token_type: 'Bearer',
          expires_in: 3599,
          scope: GOOGLE_SCOPE,
        });
  }

  function userEndpoint(
    provider: OAuthProviderName,
    path: string,
    req: IncomingMessage,
    res: ServerResponse,
  ) {
    if (provider === 'github' && !req.headers['user-agent']) {
      return send(res, 403, {
        message:
          'Request forbidden by administrative rules. Please make sure your request has a User-Agent header.',
      });
    }
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1] ?? '';
    const grant = accessTokens.get(bearer);
    if (!grant || grant.provider !== provider) return send(res, 401, { message: 'Bad credentials' });
    const { user } = grant;
    if (provider === 'google') {
      return send(res, 200, {
        sub: user.id,
        name: user.name ?? undefined,
        email: user.email,
        email_verified: user.emailVerified,
        picture: 'https://example.com/avatar.png',
      });
    }
    if (path === '/api/user/emails') {
      return send(res, 200, [
        { email: user.email, primary: true, verified: user.emailVerified, visibility: 'private' },
        // A verified secondary address must not stand in for an unverified primary one.
        {
          email: `${user.id}+${user.login ?? 'x'}@users.noreply.github.com`,
          primary: false,
          verified: true,
          visibility: null,
        },
      ]);
    }
    return send(res, 200, {
      id: Number(user.id),
      login: user.login,
      name: user.name ?? null,
      email: null,
      type: 'User',
    });
  }

  const routes: Record<
    string,
    (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>
  > = {
    'GET /login/oauth/authorize': (_req, res, url) => authorize('github', url.searchParams, res),
    'POST /login/oauth/access_token': (req, res) => token('github', req, res),
    'GET /api/user': (req, res, url) => userEndpoint('github', url.pathname, req, res),
    'GET /api/user/emails': (req, res, url) => userEndpoint('github', url.pathname, req, res),
    'GET /google/auth': (_req, res, url) => authorize('google', url.searchParams, res),
    'POST /google/token': (req, res) => token('google', req, res),
    'GET /google/userinfo': (req, res, url) => userEndpoint('google', url.pathname, req, res),
    'POST /consent': (req, res) => consent(req, res),
  };
  const endpointOf = (path: string): FakeEndpoint | undefined =>
    path.endsWith('token') ? 'token' : /user|userinfo/.test(path) ? 'user' : undefined;

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = routes[`${req.method} ${url.pathname}`];
    if (!route) return send(res, 404, { message: 'Not Found' });
    const endpoint = endpointOf(url.pathname);
    const failure = endpoint && failures.get(endpoint);
    if (endpoint && failure) {
      failures.delete(endpoint);
      return res.writeHead(failure, { 'Content-Type': 'text/html' }).end('<h1>Unicorn!</h1>');
    }
    Promise.resolve(route(req, res, url)).catch((error: unknown) => {
      send(res, 500, { error: String(error) });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    clientId,
    clientSecret,
    env: () => ({
      GITHUB_CLIENT_ID: clientId,
      GITHUB_CLIENT_SECRET: clientSecret,
      GITHUB_OAUTH_URL: url,
      GITHUB_API_URL: `${url}/api`,
      GOOGLE_CLIENT_ID: clientId,
      GOOGLE_CLIENT_SECRET: clientSecret,
      GOOGLE_AUTH_URL: `${url}/google/auth`,
      GOOGLE_TOKEN_URL: `${url}/google/token`,
      GOOGLE_USERINFO_URL: `${url}/google/userinfo`,
    }),
    setUser: (provider, user) => {
      users.set(provider, user);
    },
    denyNext: () => {
      deny = true;
    },
    failNext: (endpoint, status) => {
      failures.set(endpoint, status);
    },
    authorize: async (authorizeUrl) => {
      const response = await fetch(authorizeUrl, { redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status !== 302 || !location) {
        throw new Error(
          `the provider refused the authorization (${response.status}): ${await response.text()}`,
        );
      }
      return new URL(location);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // fetch keeps connections alive; without this, close() waits for them to time out.
        server.closeAllConnections();
      }),
  };
}

/** The provider's "authorize this app?" page: one form, two buttons, the answer posted to /consent. */
function consentHtml(provider: OAuthProviderName, user: FakeOAuthUser, id: string): string {
  const label = provider === 'github' ? 'GitHub' : 'Google';
  const who = escapeHtml(user.login ?? user.email);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Authorize StreamHub – ${label}</title></head>
<body><main><h1>Authorize StreamHub</h1><p>StreamHub wants to sign you in as ${who} with ${label}.</p>
<form method="post" action="/consent"><input type="hidden" name="request" value="${id}">
<button type="submit" name="decision" value="allow">Authorize</button>
<button type="submit" name="decision" value="deny">Cancel</button></form></main></body></html>`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}
