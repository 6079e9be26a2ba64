/**
 * OAuth login rules: which provider may be used, what a callback must prove (state, PKCE), and which
 * StreamHub user an external identity becomes (its link, else the owner of the same verified email,
 * else a new account).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Config } from '@streamhub/config/config';
import type { TokenPair } from '@streamhub/contracts/auth';
import {
  isOAuthProviderName,
  type OAuthCallbackQuery,
  type OAuthProviderName,
} from '@streamhub/contracts/oauth';
import { UniqueViolationError } from '@streamhub/db/errors';
import type { UserRow } from '@streamhub/db/schema/users';
import { AppError, badRequest, notFound } from '@streamhub/errors/app-error';
import type { AccountStore } from './account-store.ts';
import { type OAuthLink, OAuthLinkExistsError, type OAuthRepository } from './oauth.repository.ts';
import type { OAuthClient } from './oauth-client.ts';
import { buildAuthorizeUrl, type OAuthProfile, PROVIDER_LABELS } from './oauth-providers.ts';
import { codeChallengeS256, createCodeVerifier, createOAuthState, hashOAuthState } from './oauth-secrets.ts';
import { baseUsername, suffixedUsername } from './oauth-username.ts';
import { accountSuspended, type SessionService } from './session.service.ts';
import type { SessionMeta } from './sessions.repository.ts';

/** Long enough to log in at the provider (2FA included), short enough that a leaked state is soon useless. */
export const OAUTH_STATE_TTL_SECONDS = 600;
// The base name, then random suffixes; five collisions in a row means something else is wrong.
const USERNAME_ATTEMPTS = 5;
const DISPLAY_NAME_MAX = 60;

export interface OAuthServiceDeps {
  oauth: Config['oauth'];
  publicUrl: string;
  repository: OAuthRepository;
  users: Pick<AccountStore, 'findByEmail' | 'findByUsername'>;
  sessions: Pick<SessionService, 'start' | 'revokeAllForUser'>;
  client: OAuthClient;
  now?: () => Date;
}

/**
 * Where the callback sends the client: back to the app with tokens (or, after `failure`, the error's
 * code) in the fragment, or tokens as JSON.
 */
export type OAuthCompletion =
  | { kind: 'redirect'; location: string; failure?: AppError }
  | { kind: 'tokens'; tokens: TokenPair };

export const invalidOAuthState = () =>
  new AppError(
    400,
    'invalid_oauth_state',
    'The login attempt is unknown, expired or already used; start the login again.',
  );

/** The URL to register at the provider as the OAuth app's callback. */
export const oauthCallbackUrl = (publicUrl: string, provider: string) =>
  `${publicUrl}/api/v1/auth/oauth/${provider}/callback`;

export class OAuthService {
  private readonly now: () => Date;

  constructor(private readonly deps: OAuthServiceDeps) {
    this.now = deps.now ?? (() => new Date());
  }

  /**
   * Records a new authorization attempt. Returns the provider URL to send the browser to, and the
   * state, which the caller must also hand to that browser (a cookie) for {@link complete} to check.
   */
  async start(
    providerName: string,
    redirectTo: string | undefined,
  ): Promise<{ authorizeUrl: string; state: string }> {
    const { provider, config } = this.provider(providerName);
    const now = this.now();
    // Cleanup rides on the next login rather than a timer: one cheap delete, no extra moving part.
    await this.deps.repository.deleteExpiredStates(now);
    const state = createOAuthState();
    const codeVerifier = createCodeVerifier();
    await this.deps.repository.saveState({
      stateHash: hashOAuthState(state),
      provider,
      codeVerifier,
      redirectTo: redirectTo ?? null,
      expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_SECONDS * 1000),
    });
    const authorizeUrl = buildAuthorizeUrl(provider, config, {
      redirectUri: oauthCallbackUrl(this.deps.publicUrl, provider),
      state,
      codeChallenge: codeChallengeS256(codeVerifier),
    });
    return { authorizeUrl, state };
  }

  /**
   * Handles the provider's redirect back: proves the attempt, identifies the user, opens a session.
   * `browserState` is the state {@link start} gave the browser that began the login.
   */
  async complete(
    providerName: string,
    query: OAuthCallbackQuery,
    browserState: string | undefined,
    meta: SessionMeta,
  ): Promise<OAuthCompletion> {
    const { provider, config } = this.provider(providerName);
    if (!query.state) throw invalidOAuthState();
    // Taken before anything else, so that even a failed callback uses the state up.
    const attempt = await this.deps.repository.takeState(hashOAuthState(query.state));
    if (!attempt || attempt.provider !== provider || attempt.expiresAt <= this.now())
      throw invalidOAuthState();
    // Login CSRF (RFC 6749 §10.12): a valid state proves someone began this login, not that this browser
    // did. Without this check, an attacker could send a victim the callback URL of the attacker's own
    // login and sign the victim into the attacker's account.
    if (browserState === undefined || !sameSecret(browserState, query.state)) throw invalidOAuthState();
    try {
      if (query.error) throw deniedAtProvider(provider, query.error);
      if (!query.code) throw badRequest('The callback carries neither a code nor an error.');

      const accessToken = await this.deps.client.exchangeCode(provider, config, {
        code: query.code,
        codeVerifier: attempt.codeVerifier,
        redirectUri: oauthCallbackUrl(this.deps.publicUrl, provider),
      });
      const profile = await this.deps.client.fetchProfile(provider, config, accessToken);
      const user = await this.resolveUser(provider, profile);
      const tokens = await this.deps.sessions.start(user, meta);
      if (attempt.redirectTo === null) return { kind: 'tokens', tokens };
      return { kind: 'redirect', location: this.redirectWithTokens(attempt.redirectTo, tokens) };
    } catch (error) {
      // A browser that began at a page goes back to it with the failure's code, so the page can say
      // what went wrong; a problem+json document at the callback's address would strand a person.
      if (attempt.redirectTo === null || !(error instanceof AppError)) throw error;
      return {
        kind: 'redirect',
        location: this.redirectWithError(attempt.redirectTo, provider, error.code),
        failure: error,
      };
    }
  }

  private provider(name: string) {
    const config = isOAuthProviderName(name) ? this.deps.oauth[name] : undefined;
    // Unconfigured looks the same as unknown: clients need not learn which providers exist.
    if (!isOAuthProviderName(name) || !config) throw notFound(`OAuth provider "${name}"`);
    return { provider: name, config };
  }

  private async resolveUser(
    provider: OAuthProviderName,
    profile: OAuthProfile,
    retried = false,
  ): Promise<UserRow> {
    const linked = await this.deps.repository.findLinkedUser(provider, profile.providerUserId);
    if (linked) return usable(linked);

    if (profile.email === null || !profile.emailVerified) {
      throw new AppError(
        403,
        'oauth_email_unverified',
        `${PROVIDER_LABELS[provider]} has no verified email for this account; verify one there and try again.`,
      );
    }
    const link: OAuthLink = { provider, providerUserId: profile.providerUserId, email: profile.email };
    try {
      const owner = await this.deps.users.findByEmail(profile.email);
      return owner
        ? await this.linkEmailOwner(usable(owner), link)
        : await this.createUser(profile, profile.email, link);
    } catch (error) {
      // Lost a race with a concurrent login of the same identity, or a registration of the same email:
      // run the rules once more against what the winner wrote.
      const raced =
        error instanceof OAuthLinkExistsError ||
        (error instanceof UniqueViolationError && error.constraint === 'email');
      if (raced && !retried) return this.resolveUser(provider, profile, true);
      throw error;
    }
  }

  /**
   * The provider vouches that this person controls the account's email, so the account is theirs.
   * If the account's own email was never verified, someone may have registered it with a password
   * before its owner arrived (account pre-hijacking): that password and its sessions are cancelled.
   */
  private async linkEmailOwner(owner: UserRow, link: OAuthLink): Promise<UserRow> {
    const unprovenPassword = owner.emailVerifiedAt === null && owner.passwordHash !== null;
    const user = await this.deps.repository.linkAndVerifyEmail(owner.id, link, {
      verifiedAt: this.now(),
      dropPassword: unprovenPassword,
    });
    if (unprovenPassword) await this.deps.sessions.revokeAllForUser(owner.id, 'oauth_email_verified');
    return user;
  }

  private async createUser(profile: OAuthProfile, email: string, link: OAuthLink): Promise<UserRow> {
    const base = baseUsername(profile);
    for (let attempt = 0; attempt < USERNAME_ATTEMPTS; attempt++) {
      const username = attempt === 0 ? base : suffixedUsername(base);
      // Checked first so the common clash costs a read rather than a failed transaction.
      if (await this.deps.users.findByUsername(username)) continue;
      try {
        const user = await this.deps.repository.createLinkedUser(
          {
            email,
            username,
            displayName: profile.name?.slice(0, DISPLAY_NAME_MAX) ?? null,
            passwordHash: null,
            emailVerifiedAt: this.now(),
          },
          link,
        );
        return user;
      } catch (error) {
        if (error instanceof UniqueViolationError && error.constraint === 'username') continue;
        throw error;
      }
    }
    throw new Error(`no free username after ${USERNAME_ATTEMPTS} attempts from "${base}"`);
  }

  private redirectWithTokens(redirectTo: string, tokens: TokenPair): string {
    // In the fragment: browsers never send it to a server, so tokens stay out of access logs and Referer.
    return this.redirectWithFragment(redirectTo, {
      access_token: tokens.accessToken,
      refresh_token: tokens.refreshToken,
      token_type: tokens.tokenType,
      expires_in: String(tokens.expiresIn),
    });
  }

  /**
   * Only the stable code and the provider travel, never a message: anyone can craft such a link, so the
   * page shows its own words for a code it knows rather than text from the address.
   */
  private redirectWithError(redirectTo: string, provider: OAuthProviderName, code: string): string {
    return this.redirectWithFragment(redirectTo, { oauth_error: code, provider });
  }

  private redirectWithFragment(redirectTo: string, fragment: Record<string, string>): string {
    const site = new URL(this.deps.publicUrl);
    const target = new URL(redirectTo, site);
    // Checked at start already; checked again because the value has since been through the database.
    if (target.origin !== site.origin) throw invalidOAuthState();
    target.hash = new URLSearchParams(fragment).toString();
    return target.toString();
  }
}

function sameSecret(a: string, b: string): boolean {
  // Hashing first gives equal lengths, which timingSafeEqual requires.
  return timingSafeEqual(Buffer.from(hashOAuthState(a), 'hex'), Buffer.from(hashOAuthState(b), 'hex'));
}

function usable(user: UserRow): UserRow {
  if (user.status !== 'active') throw accountSuspended();
  return user;
}

function deniedAtProvider(provider: OAuthProviderName, error: string): AppError {
  const label = PROVIDER_LABELS[provider];
  const message =
    error === 'access_denied'
      ? `The login was cancelled at ${label}.`
      : // Only a well-formed OAuth error code is echoed: the query string is the browser's, not the provider's.
        `${label} refused the login${/^[a-z_]{1,64}$/.test(error) ? ` (${error})` : ''}.`;
  return new AppError(400, 'oauth_denied', message);
}
