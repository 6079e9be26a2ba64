/**
 * Talks to an OAuth provider over HTTP: the code exchange and the profile fetch. Every failure becomes
 * an AppError a client can act on (400 for a refused code, 502 for a provider that is down or answers
 * nonsense); the provider's own words go to the log through `cause`, never into the response.
 */
import type { OAuthProviderConfig } from '@streamhub/config/config';
import type { OAuthProviderName } from '@streamhub/contracts/oauth';
import { AppError } from '@streamhub/errors/app-error';
import {
  buildProfileRequests,
  buildTokenRequest,
  type HttpRequestSpec,
  normalizeProfile,
  type OAuthProfile,
  PROVIDER_LABELS,
  parseTokenResponse,
  type TokenParams,
} from './oauth-providers.ts';

export type FetchFn = typeof fetch;

// A provider slower than this is effectively down; the browser waiting on the callback gives up soon after.
const PROVIDER_TIMEOUT_MS = 10_000;
// Token and profile answers are a few hundred bytes; anything near this is not what we asked for.
const MAX_RESPONSE_BYTES = 256 * 1024;

// RFC 6749 errors (and GitHub's name for one) meaning "this code is no good", not "we are broken".
const REFUSED_CODE_ERRORS = new Set(['invalid_grant', 'bad_verification_code', 'access_denied']);

export class OAuthClient {
  constructor(private readonly fetchFn: FetchFn = fetch) {}

  /** Exchanges an authorization code (with its PKCE verifier) for the provider's access token. */
  async exchangeCode(
    provider: OAuthProviderName,
    config: OAuthProviderConfig,
    params: TokenParams,
  ): Promise<string> {
    const { status, body } = await this.send(provider, buildTokenRequest(provider, config, params));
    const result = parseTokenResponse(status, body);
    if (result.kind === 'ok') return result.accessToken;
    if (result.kind === 'error' && REFUSED_CODE_ERRORS.has(result.error)) {
      throw new AppError(
        400,
        'oauth_denied',
        `${PROVIDER_LABELS[provider]} refused the authorization code; start the login again.`,
        { cause: new Error(`${result.error}: ${result.description ?? ''}`) },
      );
    }
    // invalid_client and friends: our registration or configuration is wrong, which the operator must fix.
    throw providerError(
      provider,
      `the token endpoint answered ${status}`,
      result.kind === 'error' ? new Error(`${result.error}: ${result.description ?? ''}`) : undefined,
    );
  }

  async fetchProfile(
    provider: OAuthProviderName,
    config: OAuthProviderConfig,
    accessToken: string,
  ): Promise<OAuthProfile> {
    const responses = await Promise.all(
      buildProfileRequests(provider, config, accessToken).map((request) => this.send(provider, request)),
    );
    const failed = responses.find((response) => response.status < 200 || response.status >= 300);
    if (failed) throw providerError(provider, `the user endpoint answered ${failed.status}`);
    try {
      return normalizeProfile(
        provider,
        responses.map((response) => response.body),
      );
    } catch (error) {
      throw providerError(provider, 'the user endpoint answered an unexpected shape', error);
    }
  }

  /** Sends one request and parses a JSON body; a body that is not JSON reads as undefined. */
  private async send(
    provider: OAuthProviderName,
    request: HttpRequestSpec,
  ): Promise<{ status: number; body: unknown }> {
    let response: Response;
    let text: string;
    try {
      response = await this.fetchFn(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body,
        redirect: 'error',
        signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
      });
      text = await response.text();
    } catch (error) {
      throw providerError(provider, 'could not be reached', error);
    }
    if (text.length > MAX_RESPONSE_BYTES) throw providerError(provider, 'sent an oversized answer');
    return { status: response.status, body: parseJson(text) };
  }
}

function providerError(provider: OAuthProviderName, what: string, cause?: unknown): AppError {
  const label = PROVIDER_LABELS[provider];
  return new AppError(502, 'oauth_provider_error', `${label} did not complete the login; try again later.`, {
    cause: new Error(`${label}: ${what}`, { cause }),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
