/**
 * Everything that differs between GitHub and Google, as pure functions: the authorize URL, the token
 * request, the profile requests and the parsing of their answers into one profile shape. No I/O here;
 * `oauth-client.ts` sends what these build.
 */
import type { OAuthProviderConfig } from '@streamhub/config/config';
import type { OAuthProviderName } from '@streamhub/contracts/oauth';
import { z } from 'zod';

/** A provider's user, in the terms the login rules need. */
export interface OAuthProfile {
  /** The provider's stable id (GitHub's numeric id, Google's `sub`), never the login or email. */
  providerUserId: string;
  /** Lower-cased; null when the provider has none to give. */
  email: string | null;
  /** Whether the provider vouches that the user controls `email`. */
  emailVerified: boolean;
  /** GitHub's login; Google has none. */
  login: string | null;
  name: string | null;
}

export interface HttpRequestSpec {
  url: string;
  method: 'GET' | 'POST';
  headers: Record<string, string>;
  body?: string;
}

export interface AuthorizeParams {
  redirectUri: string;
  state: string;
  codeChallenge: string;
}

export interface TokenParams {
  code: string;
  codeVerifier: string;
  redirectUri: string;
}

/** How a provider answered the code exchange. */
export type TokenResult =
  | { kind: 'ok'; accessToken: string }
  /** An OAuth error response (RFC 6749 §5.2), e.g. `invalid_grant`. */
  | { kind: 'error'; error: string; description: string | undefined }
  | { kind: 'invalid' };

export const PROVIDER_LABELS: Record<OAuthProviderName, string> = { github: 'GitHub', google: 'Google' };

// The least each provider needs to give us a stable id and a verified email.
const SCOPES: Record<OAuthProviderName, string> = {
  github: 'read:user user:email',
  google: 'openid email profile',
};

// GitHub's REST API refuses requests without a User-Agent and pins behaviour by version header.
const GITHUB_API_HEADERS = {
  Accept: 'application/vnd.github+json',
  'User-Agent': 'StreamHub',
  'X-GitHub-Api-Version': '2022-11-28',
};

export function buildAuthorizeUrl(
  provider: OAuthProviderName,
  config: OAuthProviderConfig,
  params: AuthorizeParams,
): string {
  const url = new URL(config.authorizeUrl);
  url.searchParams.set('client_id', config.clientId);
  url.searchParams.set('redirect_uri', params.redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('scope', SCOPES[provider]);
  url.searchParams.set('state', params.state);
  url.searchParams.set('code_challenge', params.codeChallenge);
  url.searchParams.set('code_challenge_method', 'S256');
  return url.toString();
}

export function buildTokenRequest(
  _provider: OAuthProviderName,
  config: OAuthProviderConfig,
  params: TokenParams,
): HttpRequestSpec {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: params.code,
    redirect_uri: params.redirectUri,
    client_id: config.clientId,
    client_secret: config.clientSecret,
    code_verifier: params.codeVerifier,
  });
  return {
    url: config.tokenUrl,
    method: 'POST',
    // GitHub answers form-encoded unless asked for JSON; Google always answers JSON.
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: body.toString(),
  };
}

const TokenSuccessSchema = z.object({
  access_token: z.string().min(1),
  token_type: z.string().refine((type) => type.toLowerCase() === 'bearer', 'must be bearer'),
});

const TokenErrorSchema = z.object({
  error: z.string().min(1),
  error_description: z.string().optional(),
});

/**
 * Reads a token endpoint's answer. An error body wins over the status: GitHub reports a bad code
 * with 200 and `{ error }`, Google with 400.
 */
export function parseTokenResponse(status: number, body: unknown): TokenResult {
  const error = TokenErrorSchema.safeParse(body);
  if (error.success) {
    return { kind: 'error', error: error.data.error, description: error.data.error_description };
  }
  const success = TokenSuccessSchema.safeParse(body);
  if (status >= 200 && status < 300 && success.success) {
    return { kind: 'ok', accessToken: success.data.access_token };
  }
  return { kind: 'invalid' };
}

/** The requests whose answers, in order, {@link normalizeProfile} turns into a profile. */
export function buildProfileRequests(
  provider: OAuthProviderName,
  config: OAuthProviderConfig,
  accessToken: string,
): HttpRequestSpec[] {
  const authorization = `Bearer ${accessToken}`;
  if (provider === 'github') {
    const headers = { ...GITHUB_API_HEADERS, Authorization: authorization };
    return [
      { url: `${config.userInfoUrl}/user`, method: 'GET', headers },
      // The profile's `email` is only the public one and says nothing of verification.
      { url: `${config.userInfoUrl}/user/emails`, method: 'GET', headers },
    ];
  }
  return [
    {
      url: config.userInfoUrl,
      method: 'GET',
      headers: { Accept: 'application/json', Authorization: authorization },
    },
  ];
}

const optionalText = z
  .string()
  .nullish()
  .transform((value) => value?.trim() || null);

const GithubUserSchema = z.object({
  id: z.number().int().positive(),
  login: z.string().min(1),
  name: optionalText,
});

const GithubEmailsSchema = z.array(
  z.object({
    email: z.string(),
    primary: z.boolean(),
    verified: z.boolean(),
  }),
);

const GoogleUserInfoSchema = z.object({
  sub: z.string().min(1),
  email: z.string().optional(),
  // OpenID Connect says boolean; some Google endpoints have sent the string "true".
  email_verified: z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).optional(),
  name: optionalText,
});

/** Turns the answers to {@link buildProfileRequests} into a profile; throws a ZodError for a malformed one. */
export function normalizeProfile(provider: OAuthProviderName, bodies: unknown[]): OAuthProfile {
  return provider === 'github'
    ? normalizeGithubProfile(bodies[0], bodies[1])
    : normalizeGoogleProfile(bodies[0]);
}

export function normalizeGithubProfile(user: unknown, emails: unknown): OAuthProfile {
  const profile = GithubUserSchema.parse(user);
  const addresses = GithubEmailsSchema.parse(emails);
  // Only the primary address, and only when verified: a secondary unverified one proves nothing.
  const primary = addresses.find((address) => address.primary);
  const email = validEmail(primary?.email);
  return {
    providerUserId: String(profile.id),
    email,
    emailVerified: email !== null && primary?.verified === true,
    login: profile.login,
    name: profile.name,
  };
}

export function normalizeGoogleProfile(userInfo: unknown): OAuthProfile {
  const profile = GoogleUserInfoSchema.parse(userInfo);
  const email = validEmail(profile.email);
  return {
    providerUserId: profile.sub,
    email,
    emailVerified: email !== null && profile.email_verified === true,
    login: null,
    name: profile.name,
  };
}

const EmailSchema = z.email().max(254);

// An address we could not store is treated as no address, which the login rules then refuse.
function validEmail(value: string | undefined): string | null {
  const parsed = EmailSchema.safeParse(value?.trim());
  return parsed.success ? parsed.data.toLowerCase() : null;
}
