import type { OAuthProviderConfig } from '@streamhub/config/config';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  buildAuthorizeUrl,
  buildProfileRequests,
  buildTokenRequest,
  normalizeGithubProfile,
  normalizeGoogleProfile,
  parseTokenResponse,
} from './oauth-providers.ts';
import { codeChallengeS256 } from './oauth-secrets.ts';

const github: OAuthProviderConfig = {
  clientId: 'gh-id',
  clientSecret: 'gh-secret',
  authorizeUrl: 'https://github.com/login/oauth/authorize',
  tokenUrl: 'https://github.com/login/oauth/access_token',
  userInfoUrl: 'https://api.github.com',
};
const google: OAuthProviderConfig = {
  clientId: 'g-id',
  clientSecret: 'g-secret',
  authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
  tokenUrl: 'https://oauth2.googleapis.com/token',
  userInfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
};

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(codeChallengeS256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe(
      'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    );
  });
});

describe('authorize URLs', () => {
  it.each([
    ['github', github, 'read:user user:email'],
    ['google', google, 'openid email profile'],
  ] as const)('%s: client, callback, scope, state and S256 challenge', (provider, config, scope) => {
    const url = new URL(
      buildAuthorizeUrl(provider, config, {
        redirectUri: 'https://tv.example/cb',
        state: 'st',
        codeChallenge: 'ch',
      }),
    );
    expect(`${url.origin}${url.pathname}`).toBe(config.authorizeUrl);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      client_id: config.clientId,
      redirect_uri: 'https://tv.example/cb',
      response_type: 'code',
      scope,
      state: 'st',
      code_challenge: 'ch',
      code_challenge_method: 'S256',
    });
  });
});

describe('token requests', () => {
  it('posts the code, verifier and client credentials form-encoded and asks for JSON', () => {
    const request = buildTokenRequest('github', github, {
      code: 'c0de',
      codeVerifier: 'v3rifier',
      redirectUri: 'https://tv.example/cb',
    });
    expect(request).toMatchObject({ url: github.tokenUrl, method: 'POST' });
    expect(request.headers).toMatchObject({
      Accept: 'application/json',
      'Content-Type': 'application/x-www-form-urlencoded',
    });
    expect(Object.fromEntries(new URLSearchParams(request.body))).toEqual({
      grant_type: 'authorization_code',
      code: 'c0de',
      code_verifier: 'v3rifier',
      redirect_uri: 'https://tv.example/cb',
      client_id: 'gh-id',
      client_secret: 'gh-secret',
    });
  });

  it('reads success, OAuth errors (whatever the status) and garbage', () => {
    expect(parseTokenResponse(200, { access_token: 'tok', token_type: 'bearer', scope: '' })).toEqual({
      kind: 'ok',
      accessToken: 'tok',
    });
    expect(parseTokenResponse(200, { access_token: 'tok', token_type: 'Bearer', expires_in: 3599 })).toEqual({
      kind: 'ok',
      accessToken: 'tok',
    });
    // GitHub: an error with 200.
    expect(parseTokenResponse(200, { error: 'bad_verification_code', error_description: 'bad' })).toEqual({
      kind: 'error',
      error: 'bad_verification_code',
      description: 'bad',
    });
    expect(parseTokenResponse(400, { error: 'invalid_grant' })).toMatchObject({
      kind: 'error',
      error: 'invalid_grant',
    });
    expect(parseTokenResponse(500, { access_token: 'tok', token_type: 'bearer' })).toEqual({
      kind: 'invalid',
    });
    expect(parseTokenResponse(200, { access_token: 'tok', token_type: 'mac' })).toEqual({ kind: 'invalid' });
    expect(parseTokenResponse(200, undefined)).toEqual({ kind: 'invalid' });
    expect(parseTokenResponse(200, 'access_token=tok')).toEqual({ kind: 'invalid' });
  });
});

describe('profile requests', () => {
  it('GitHub: /user and /user/emails with the token, a User-Agent and the API version', () => {
    const requests = buildProfileRequests('github', github, 'tok');
    expect(requests.map((r) => r.url)).toEqual([
      'https://api.github.com/user',
      'https://api.github.com/user/emails',
    ]);
    for (const request of requests) {
      expect(request.headers).toMatchObject({
        Authorization: 'Bearer tok',
        'User-Agent': 'StreamHub',
        'X-GitHub-Api-Version': '2022-11-28',
      });
    }
  });

  it('Google: the userinfo endpoint', () => {
    expect(buildProfileRequests('google', google, 'tok')).toEqual([
      {
        url: google.userInfoUrl,
        method: 'GET',
        headers: { Accept: 'application/json', Authorization: 'Bearer tok' },
      },
    ]);
  });
});

describe('GitHub profiles', () => {
  const user = { id: 583231, login: 'octocat', name: 'The Octocat', email: null };

  it('takes the primary verified email, lower-cased', () => {
    const emails = [
      { email: 'other@example.com', primary: false, verified: true },
      { email: 'Octo@Example.com', primary: true, verified: true, visibility: 'private' },
    ];
    expect(normalizeGithubProfile(user, emails)).toEqual({
      providerUserId: '583231',
      email: 'octo@example.com',
      emailVerified: true,
      login: 'octocat',
      name: 'The Octocat',
    });
  });

  it('does not let a verified secondary address stand in for an unverified primary one', () => {
    const emails = [
      { email: 'octo@example.com', primary: true, verified: false },
      { email: 'other@example.com', primary: false, verified: true },
    ];
    expect(normalizeGithubProfile(user, emails)).toMatchObject({
      email: 'octo@example.com',
      emailVerified: false,
    });
  });

  it('reports no email when there is no primary or it is not an address', () => {
    expect(normalizeGithubProfile(user, [])).toMatchObject({ email: null, emailVerified: false });
    expect(normalizeGithubProfile(user, [{ email: 'nope', primary: true, verified: true }])).toMatchObject({
      email: null,
      emailVerified: false,
    });
  });

  it('turns a blank name into null', () => {
    expect(normalizeGithubProfile({ ...user, name: '  ' }, []).name).toBeNull();
  });

  it('throws a ZodError for a malformed answer', () => {
    expect(() => normalizeGithubProfile({ login: 'x' }, [])).toThrow(ZodError);
    expect(() => normalizeGithubProfile(user, { message: 'Bad credentials' })).toThrow(ZodError);
  });
});

describe('Google profiles', () => {
  it('maps sub, email, email_verified and name', () => {
    expect(
      normalizeGoogleProfile({
        sub: '1099',
        email: 'Ada@Gmail.com',
        email_verified: true,
        name: 'Ada L',
        picture: 'x',
      }),
    ).toEqual({
      providerUserId: '1099',
      email: 'ada@gmail.com',
      emailVerified: true,
      login: null,
      name: 'Ada L',
    });
  });

  it('accepts the string form of email_verified and treats a missing one as unverified', () => {
    expect(normalizeGoogleProfile({ sub: '1', email: 'a@b.co', email_verified: 'true' }).emailVerified).toBe(
      true,
    );
    expect(normalizeGoogleProfile({ sub: '1', email: 'a@b.co', email_verified: 'false' }).emailVerified).toBe(
      false,
    );
    expect(normalizeGoogleProfile({ sub: '1', email: 'a@b.co' }).emailVerified).toBe(false);
    expect(normalizeGoogleProfile({ sub: '1' })).toMatchObject({
      email: null,
      emailVerified: false,
      name: null,
    });
  });

  it('throws a ZodError without a subject', () => {
    expect(() => normalizeGoogleProfile({ email: 'a@b.co', email_verified: true })).toThrow(ZodError);
  });
});
