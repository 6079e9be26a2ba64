import { createServer } from 'node:net';
import { type TokenPair, TokenPairSchema } from '@streamhub/contracts/auth';
import type { OAuthProviderName } from '@streamhub/contracts/oauth';
import { type Problem, ProblemSchema } from '@streamhub/contracts/problem';
import { oauthAccounts, oauthStates, sessions } from '@streamhub/db/schema/auth';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import {
  type FakeOAuthProvider,
  type FakeOAuthUser,
  startFakeOAuthProvider,
} from '../../testing/fake-oauth-provider.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { UsersRepository } from '../users/users.repository.ts';
import { codeChallengeS256, createCodeVerifier, hashOAuthState } from './oauth-secrets.ts';

const PUBLIC_URL = 'https://tv.example.test';
const unique = () => Math.random().toString(36).slice(2, 10);

const newUser = (overrides: Partial<FakeOAuthUser> = {}): FakeOAuthUser => {
  const id = String(Math.floor(Math.random() * 1e9));
  return {
    id,
    login: `gh_${unique()}`,
    name: 'Ada Lovelace',
    email: `ada_${unique()}@example.com`,
    emailVerified: true,
    ...overrides,
  };
};

async function problemOf(response: Response, status: number): Promise<Problem> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return ProblemSchema.parse(await response.json());
}

/** A port nothing listens on: the provider is "down". */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe.each(testDatabases())('OAuth login (/api/v1/auth/oauth) on %s', (driver) => {
  let backends: TestBackends;
  let fake: FakeOAuthProvider;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    fake = await startFakeOAuthProvider({ publicUrl: PUBLIC_URL });
    app = createApp(backends.deps({ PUBLIC_URL, ...fake.env() })).app;
  });
  afterAll(async () => {
    await fake?.close();
    await backends?.close();
  });

  const startLogin = async (provider: string, redirectTo?: string) => {
    const query = redirectTo === undefined ? '' : `?redirectTo=${encodeURIComponent(redirectTo)}`;
    return app.request(`/api/v1/auth/oauth/${provider}/start${query}`);
  };

  /** Starts a login as a browser would: the provider URL to go to and the state cookie to keep. */
  const begin = async (provider: OAuthProviderName, redirectTo?: string) => {
    const response = await startLogin(provider, redirectTo);
    expect(response.status).toBe(302);
    const cookie = response.headers.get('set-cookie')?.split(';', 1)[0] ?? '';
    return { url: response.headers.get('location') ?? '', cookie };
  };

  /** Starts a login and approves it at the provider: the callback URL and the browser's cookie. */
  const approve = async (provider: OAuthProviderName) => {
    const { url, cookie } = await begin(provider);
    return { back: await fake.authorize(url), cookie };
  };

  const callback = (url: URL, cookie?: string) =>
    app.request(`${url.pathname}${url.search}`, {
      headers: { 'User-Agent': 'vitest', ...(cookie ? { Cookie: cookie } : {}) },
    });

  /** The whole browser round trip: start → provider → callback. */
  async function logIn(
    provider: OAuthProviderName,
    user: FakeOAuthUser,
    redirectTo?: string,
  ): Promise<Response> {
    fake.setUser(provider, user);
    const { url, cookie } = await begin(provider, redirectTo);
    return callback(await fake.authorize(url), cookie);
  }

  async function tokensOf(response: Response): Promise<TokenPair> {
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    return TokenPairSchema.parse(await response.json());
  }

  /** The caller behind an access token, per the protected session route. */
  async function whoAmI(accessToken: string): Promise<string> {
    const response = await app.request('/api/v1/auth/session', {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(response.status).toBe(200);
    return ((await response.json()) as { userId: string }).userId;
  }

  const userById = async (id: string) => {
    const [row] = await backends.database.db.select().from(users).where(eq(users.id, id));
    return row;
  };

  const usersWithEmail = async (email: string) =>
    backends.database.db.select().from(users).where(eq(users.email, email.toLowerCase()));

  describe('start', () => {
    it('redirects to the provider with client, callback, scope, state and an S256 challenge', async () => {
      const { url: location, cookie } = await begin('github');
      const url = new URL(location);
      expect(`${url.origin}${url.pathname}`).toBe(`${fake.url}/login/oauth/authorize`);
      expect(url.searchParams.get('client_id')).toBe(fake.clientId);
      expect(url.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/api/v1/auth/oauth/github/callback`);
      expect(url.searchParams.get('scope')).toBe('read:user user:email');
      expect(url.searchParams.get('code_challenge_method')).toBe('S256');
      expect(url.searchParams.get('code_challenge')).toMatch(/^[\w-]{43}$/);
      const state = url.searchParams.get('state') ?? '';
      expect(state).toMatch(/^[\w-]{43}$/);
      expect(cookie).toBe(`streamhub_oauth_state=${state}`);

      const google = new URL((await begin('google')).url);
      expect(`${google.origin}${google.pathname}`).toBe(`${fake.url}/google/auth`);
      expect(google.searchParams.get('scope')).toBe('openid email profile');

      // Only the state's hash is stored, with a verifier and a ten-minute expiry.
      const rows = await backends.database.db.select().from(oauthStates);
      expect(rows.some((row) => row.stateHash === state)).toBe(false);
      const row = rows.find((r) => r.stateHash === hashOAuthState(state));
      expect(row).toMatchObject({ provider: 'github', redirectTo: null });
      expect(row?.codeVerifier).toMatch(/^[\w-]{43}$/);
      const ttl = (row?.expiresAt.getTime() ?? 0) - (row?.createdAt.getTime() ?? 0);
      expect(ttl).toBeGreaterThan(9 * 60_000);
      expect(ttl).toBeLessThanOrEqual(10 * 60_000 + 5_000);
    });

    it.each(['https://evil.example', '//evil.example/x', '/\\evil.example', 'studio', '/ok#frag'])(
      'refuses redirectTo=%s with 422',
      async (redirectTo) => {
        const problem = await problemOf(await startLogin('github', redirectTo), 422);
        expect(problem.code).toBe('validation_failed');
        expect(problem.errors?.map((e) => e.path)).toEqual(['query.redirectTo']);
      },
    );

    it('answers an unknown provider with 404 on start and callback', async () => {
      expect((await problemOf(await startLogin('gitlab'), 404)).code).toBe('not_found');
      const response = await app.request('/api/v1/auth/oauth/gitlab/callback?code=x&state=y');
      expect((await problemOf(response, 404)).code).toBe('not_found');
    });

    it('answers a provider without client id and secret with 404', async () => {
      const githubOnly = createApp(
        backends.deps({
          PUBLIC_URL,
          GITHUB_CLIENT_ID: 'id',
          GITHUB_CLIENT_SECRET: 'secret',
          GOOGLE_CLIENT_ID: 'id-without-secret',
        }),
      ).app;
      expect((await githubOnly.request('/api/v1/auth/oauth/github/start')).status).toBe(302);
      const problem = await problemOf(await githubOnly.request('/api/v1/auth/oauth/google/start'), 404);
      expect(problem.detail).toBe('OAuth provider "google" was not found.');
    });
  });

  describe('callback', () => {
    it('creates a verified, password-less user on first GitHub login, whose tokens work', async () => {
      const profile = newUser({ email: `Octo_${unique()}@Example.com` });
      const tokens = await tokensOf(await logIn('github', profile));
      expect(tokens.tokenType).toBe('Bearer');

      const userId = await whoAmI(tokens.accessToken);
      const user = await userById(userId);
      expect(user).toMatchObject({
        email: profile.email.toLowerCase(),
        username: profile.login,
        displayName: 'Ada Lovelace',
        passwordHash: null,
        role: 'viewer',
      });
      expect(user?.emailVerifiedAt).toBeInstanceOf(Date);
      const links = await backends.database.db
        .select()
        .from(oauthAccounts)
        .where(eq(oauthAccounts.userId, userId));
      expect(links).toMatchObject([{ provider: 'github', providerUserId: profile.id, email: user?.email }]);
      const [session] = await backends.database.db.select().from(sessions).where(eq(sessions.userId, userId));
      expect(session?.userAgent).toBe('vitest');
      // Stored with the account and its link, in their transaction.
      expect(await storedEvents(backends.database.db, 'user.registered')).toContainEqual({
        userId,
        username: profile.login,
        email: profile.email.toLowerCase(),
      });

      // The refresh token is a real one of the session.
      const refreshed = await app.request('/api/v1/auth/refresh', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refreshToken: tokens.refreshToken }),
      });
      expect(refreshed.status).toBe(200);
    });

    it('logs the same identity into the same user the second time, even with a new email', async () => {
      const profile = newUser();
      const first = await whoAmI((await tokensOf(await logIn('github', profile))).accessToken);
      const second = await whoAmI(
        (
          await tokensOf(
            await logIn('github', {
              ...profile,
              email: `moved_${unique()}@example.com`,
              emailVerified: false,
            }),
          )
        ).accessToken,
      );
      expect(second).toBe(first);
      const links = await backends.database.db
        .select()
        .from(oauthAccounts)
        .where(eq(oauthAccounts.userId, first));
      expect(links).toHaveLength(1);
    });

    it('links a Google login to the password account with the same email, and cancels its unproven password', async () => {
      const email = `grace_${unique()}@example.com`;
      const registered = await app.request('/api/v1/auth/register', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, username: `grace_${unique()}`, password: 'set by whoever came first' }),
      });
      expect(registered.status).toBe(201);
      const { id } = (await registered.json()) as { id: string };
      const earlier = await app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'set by whoever came first' }),
      });
      expect(earlier.status).toBe(200);
      const earlierTokens = TokenPairSchema.parse(await earlier.json());

      const tokens = await tokensOf(
        await logIn('google', newUser({ email: email.toUpperCase(), login: undefined })),
      );
      expect(await whoAmI(tokens.accessToken)).toBe(id);
      expect(await usersWithEmail(email)).toHaveLength(1);
      const user = await userById(id);
      expect(user?.emailVerifiedAt).toBeInstanceOf(Date);
      expect(user?.passwordHash).toBeNull();

      // Whoever set the password never proved the address: their password and session are gone.
      const again = await app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'set by whoever came first' }),
      });
      expect((await problemOf(again, 401)).code).toBe('invalid_credentials');
      const old = await app.request('/api/v1/auth/session', {
        headers: { Authorization: `Bearer ${earlierTokens.accessToken}` },
      });
      expect(old.status).toBe(401);
    });

    it('keeps the password of an account whose email was already verified when linking it', async () => {
      const email = `hopper_${unique()}@example.com`;
      const registered = await app.request('/api/v1/auth/register', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, username: `hopper_${unique()}`, password: 'my own long password' }),
      });
      const { id } = (await registered.json()) as { id: string };
      const verifiedAt = new Date('2024-01-02T03:04:05Z');
      await backends.database.db.update(users).set({ emailVerifiedAt: verifiedAt }).where(eq(users.id, id));

      expect(await whoAmI((await tokensOf(await logIn('github', newUser({ email })))).accessToken)).toBe(id);
      const user = await userById(id);
      expect(user?.passwordHash).not.toBeNull();
      expect(user?.emailVerifiedAt?.toISOString()).toBe(verifiedAt.toISOString());
      const login = await app.request('/api/v1/auth/login', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, password: 'my own long password' }),
      });
      expect(login.status).toBe(200);
    });

    it('refuses an unverified provider email when no account is linked, creating nothing', async () => {
      for (const provider of ['github', 'google'] as const) {
        const profile = newUser({ emailVerified: false });
        const problem = await problemOf(await logIn(provider, profile), 403);
        expect(problem.code).toBe('oauth_email_unverified');
        expect(await usersWithEmail(profile.email)).toHaveLength(0);
      }
    });

    it('does not link an unverified provider email to the account that owns it', async () => {
      const email = `victim_${unique()}@example.com`;
      const registered = await app.request('/api/v1/auth/register', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ email, username: `victim_${unique()}`, password: 'a long enough secret' }),
      });
      const { id } = (await registered.json()) as { id: string };
      expect(
        (await problemOf(await logIn('github', newUser({ email, emailVerified: false })), 403)).code,
      ).toBe('oauth_email_unverified');
      const links = await backends.database.db
        .select()
        .from(oauthAccounts)
        .where(eq(oauthAccounts.userId, id));
      expect(links).toHaveLength(0);
    });

    it('makes a taken username unique', async () => {
      const login = `taken_${unique()}`;
      await new UsersRepository(backends.database.db).create({
        email: `${unique()}@example.com`,
        username: login.toUpperCase(),
      });
      const tokens = await tokensOf(await logIn('github', newUser({ login })));
      const user = await userById(await whoAmI(tokens.accessToken));
      expect(user?.username).toMatch(new RegExp(`^${login}_\\d{4}$`));
    });

    it('derives a username from the Google name', async () => {
      const tokens = await tokensOf(
        await logIn('google', newUser({ login: undefined, name: `Zoë ${unique()}` })),
      );
      const user = await userById(await whoAmI(tokens.accessToken));
      expect(user?.username).toMatch(/^Zoe_[a-z0-9]+$/);
    });

    it('refuses a suspended user with 403 account_suspended', async () => {
      const profile = newUser();
      const userId = await whoAmI((await tokensOf(await logIn('github', profile))).accessToken);
      await new UsersRepository(backends.database.db).setStatus(userId, 'suspended');
      expect((await problemOf(await logIn('github', profile), 403)).code).toBe('account_suspended');
    });

    it('ends at redirectTo with the tokens in the fragment', async () => {
      const response = await logIn('google', newUser(), '/studio?tab=live');
      expect(response.status).toBe(302);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const location = new URL(response.headers.get('location') ?? '');
      expect(`${location.origin}${location.pathname}${location.search}`).toBe(
        `${PUBLIC_URL}/studio?tab=live`,
      );
      const fragment = new URLSearchParams(location.hash.slice(1));
      expect(fragment.get('token_type')).toBe('Bearer');
      expect(Number(fragment.get('expires_in'))).toBeGreaterThan(0);
      expect(fragment.get('refresh_token')).toBeTruthy();
      await whoAmI(fragment.get('access_token') ?? '');
    });
  });

  describe('state', () => {
    it('is single use: a replayed callback gets 400 invalid_oauth_state', async () => {
      fake.setUser('github', newUser());
      const { back, cookie } = await approve('github');
      await tokensOf(await callback(back, cookie));
      expect((await problemOf(await callback(back, cookie), 400)).code).toBe('invalid_oauth_state');
    });

    it('refuses a forged, a missing and another provider’s state', async () => {
      fake.setUser('github', newUser());
      const { back, cookie } = await approve('github');

      const forged = new URL(back);
      forged.searchParams.set('state', 'forged-by-an-attacker');
      expect((await problemOf(await callback(forged, cookie), 400)).code).toBe('invalid_oauth_state');

      const missing = new URL(back);
      missing.searchParams.delete('state');
      expect((await problemOf(await callback(missing, cookie), 400)).code).toBe('invalid_oauth_state');

      const crossed = new URL(back);
      crossed.pathname = '/api/v1/auth/oauth/google/callback';
      expect((await problemOf(await callback(crossed, cookie), 400)).code).toBe('invalid_oauth_state');
      // The crossed attempt used the state up.
      expect((await problemOf(await callback(back, cookie), 400)).code).toBe('invalid_oauth_state');
    });

    it('binds the login to the browser that began it (login CSRF)', async () => {
      // The attacker logs in with their own account but stops before the callback…
      fake.setUser('github', newUser());
      const attacker = await approve('github');
      // …and sends the callback URL to a victim, whose browser has no cookie or one of its own login.
      const victim = await begin('github');
      expect((await problemOf(await callback(attacker.back), 400)).code).toBe('invalid_oauth_state');
      const fresh = await approve('github');
      expect((await problemOf(await callback(fresh.back, victim.cookie), 400)).code).toBe(
        'invalid_oauth_state',
      );
    });

    it('sets a short-lived, HttpOnly, Lax cookie scoped to the callback and clears it there', async () => {
      const response = await startLogin('google');
      const cookie = response.headers.get('set-cookie') ?? '';
      expect(cookie).toContain('Max-Age=600');
      expect(cookie).toContain('Path=/api/v1/auth/oauth/google/callback');
      expect(cookie).toContain('HttpOnly');
      expect(cookie).toContain('Secure');
      expect(cookie).toContain('SameSite=Lax');

      fake.setUser('google', newUser());
      const { back, cookie: pair } = await approve('google');
      const done = await callback(back, pair);
      expect(done.status).toBe(200);
      expect(done.headers.get('set-cookie')).toMatch(/^streamhub_oauth_state=;.*Max-Age=0/);
    });

    it('expires after ten minutes', async () => {
      fake.setUser('google', newUser());
      const { back, cookie } = await approve('google');
      await backends.database.db
        .update(oauthStates)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(oauthStates.stateHash, hashOAuthState(back.searchParams.get('state') ?? '')));
      expect((await problemOf(await callback(back, cookie), 400)).code).toBe('invalid_oauth_state');
    });
  });

  describe('provider failures', () => {
    it.each(['github', 'google'] as const)(
      '%s: a code bound to another PKCE challenge is refused by the provider → 400 oauth_denied',
      async (provider) => {
        fake.setUser(provider, newUser());
        const { url: location, cookie } = await begin(provider);
        const url = new URL(location);
        // An attacker's challenge: the gateway's verifier cannot match it.
        url.searchParams.set('code_challenge', codeChallengeS256(createCodeVerifier()));
        const problem = await problemOf(await callback(await fake.authorize(url.toString()), cookie), 400);
        expect(problem.code).toBe('oauth_denied');
        expect(problem.detail).toMatch(/refused the authorization code/);
      },
    );

    it('the user denying access at the provider → 400 oauth_denied', async () => {
      fake.setUser('github', newUser());
      fake.denyNext();
      const { back, cookie } = await approve('github');
      expect(back.searchParams.get('error')).toBe('access_denied');
      const problem = await problemOf(await callback(back, cookie), 400);
      expect(problem).toMatchObject({ code: 'oauth_denied', detail: 'The login was cancelled at GitHub.' });
    });

    it('a login begun at a page goes back to it with the code of a denial or an outage, never the tokens', async () => {
      const backTo = async () => {
        const { url, cookie } = await begin('google', '/sign-in');
        const response = await callback(await fake.authorize(url), cookie);
        expect(response.status).toBe(302);
        expect(response.headers.get('cache-control')).toBe('no-store');
        const location = new URL(response.headers.get('location') ?? '');
        expect(`${location.origin}${location.pathname}`).toBe(`${PUBLIC_URL}/sign-in`);
        return Object.fromEntries(new URLSearchParams(location.hash.slice(1)));
      };
      fake.setUser('google', newUser());
      fake.denyNext();
      expect(await backTo()).toEqual({ oauth_error: 'oauth_denied', provider: 'google' });
      fake.failNext('token', 500);
      expect(await backTo()).toEqual({ oauth_error: 'oauth_provider_error', provider: 'google' });
      fake.setUser('google', newUser({ emailVerified: false }));
      expect(await backTo()).toEqual({ oauth_error: 'oauth_email_unverified', provider: 'google' });
    });

    it.each([
      ['token', 'github'],
      ['user', 'github'],
      ['token', 'google'],
      ['user', 'google'],
    ] as const)(
      'a %s endpoint outage at %s → 502 oauth_provider_error without internals',
      async (endpoint, provider) => {
        fake.setUser(provider, newUser());
        const { back, cookie } = await approve(provider);
        fake.failNext(endpoint, 500);
        const response = await callback(back, cookie);
        const text = await response.clone().text();
        const problem = await problemOf(response, 502);
        expect(problem.code).toBe('oauth_provider_error');
        expect(problem.title).toBe('Bad Gateway');
        expect(text).not.toMatch(/Unicorn|127\.0\.0\.1|secret/);
      },
    );

    it('an unreachable provider → 502 oauth_provider_error', async () => {
      const dead = `http://127.0.0.1:${await deadPort()}`;
      const offline = createApp(
        backends.deps({ PUBLIC_URL, ...fake.env(), GITHUB_OAUTH_URL: dead, GITHUB_API_URL: dead }),
      ).app;
      const start = await offline.request('/api/v1/auth/oauth/github/start');
      const state = new URL(start.headers.get('location') ?? '').searchParams.get('state') ?? '';
      const response = await offline.request(`/api/v1/auth/oauth/github/callback?code=abc&state=${state}`, {
        headers: { Cookie: `streamhub_oauth_state=${state}` },
      });
      const problem = await problemOf(response, 502);
      expect(problem).toMatchObject({
        code: 'oauth_provider_error',
        detail: 'GitHub did not complete the login; try again later.',
      });
    });
  });

  it('documents both routes with operation ids and their errors', async () => {
    const spec = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>>;
    };
    const startOp = spec.paths['/api/v1/auth/oauth/{provider}/start']?.get;
    const callbackOp = spec.paths['/api/v1/auth/oauth/{provider}/callback']?.get;
    expect(startOp?.operationId).toBe('startOAuthLogin');
    expect(Object.keys(startOp?.responses ?? {})).toEqual(expect.arrayContaining(['302', '404', '422']));
    expect(callbackOp?.operationId).toBe('completeOAuthLogin');
    expect(Object.keys(callbackOp?.responses ?? {})).toEqual(
      expect.arrayContaining(['200', '302', '400', '403', '404', '502']),
    );
  });
});
