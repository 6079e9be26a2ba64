/**
 * Login sessions. Each session is one refresh-token family: refresh tokens are opaque, stored hashed
 * and single-use; presenting a used one again means it was copied, so the whole family is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenPair } from '@streamhub/contracts/auth';
import type { UserRole, UserRow } from '@streamhub/db/schema/auth';
import { AppError } from '@streamhub/errors/app-error';
import type { AccessTokens } from './access-tokens.ts';
import type { SessionMeta, SessionsRepository } from './sessions.repository.ts';

export interface SessionServiceDeps {
  sessions: SessionsRepository;
  accessTokens: AccessTokens;
  refreshTtlSeconds: number;
}

export const invalidToken = (message = 'The token is invalid, expired or revoked.') =>
  new AppError(401, 'invalid_token', message, {
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
  });

export const accountSuspended = () => new AppError(403, 'account_suspended', 'This account is suspended.');

const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Who is calling, as the auth guard puts it into `c.var.auth`. */
export interface AuthContext {
  userId: string;
  sessionId: string;
  role: UserRole;
  emailVerified: boolean;
}

export class SessionService {
  constructor(private readonly deps: SessionServiceDeps) {}

  /**
   * Resolves an access token to its caller. The JWT proves who signed in; the session row is checked
   * on every request too, so logout, suspension and revocation take effect at once.
   */
  async authenticate(accessToken: string): Promise<AuthContext> {
    const claims = await this.deps.accessTokens.verify(accessToken).catch(() => {
      throw invalidToken();
    });
    const standing = await this.deps.sessions.standing(claims.sessionId);
    if (
      !standing ||
      standing.userId !== claims.userId ||
      standing.revokedAt !== null ||
      standing.expiresAt <= new Date()
    ) {
      throw invalidToken();
    }
    if (standing.status !== 'active') throw accountSuspended();
    // The role comes from the database, not the token, so a demotion applies to the very next request.
    return {
      userId: standing.userId,
      sessionId: claims.sessionId,
      role: standing.role,
      emailVerified: standing.emailVerified,
    };
  }

  /** Opens a session for a user who just proved who they are (password, OAuth, …). */
  async start(user: Pick<UserRow, 'id' | 'role' | 'status'>, meta: SessionMeta): Promise<TokenPair> {
    if (user.status !== 'active') throw accountSuspended();
    const session = await this.deps.sessions.createSession(user.id, this.refreshExpiry(), meta);
    return this.issue(session.id, user.id, user.role);
  }

  /** Trades a refresh token for a new pair; the presented token can never be used again. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const found = await this.deps.sessions.findRefreshToken(hashToken(refreshToken));
    if (!found) throw invalidToken();
    const { token, session, user } = found;
    if (token.usedAt !== null) return this.reuseDetected(session.id);
    if (session.revokedAt !== null || session.expiresAt <= new Date() || token.expiresAt <= new Date()) {
      throw invalidToken();
    }
    if (user.status !== 'active') throw accountSuspended();
    // Two concurrent refreshes with one token: exactly one wins; the loser is treated as a replay.
    if (!(await this.deps.sessions.markRefreshTokenUsed(token.id))) return this.reuseDetected(session.id);
    const expiresAt = this.refreshExpiry();
    await this.deps.sessions.extendSession(session.id, expiresAt);
    return this.issue(session.id, user.id, user.role, expiresAt);
  }

  async logout(sessionId: string): Promise<void> {
    await this.deps.sessions.revokeSession(sessionId, 'logout');
  }

  /** Ends every session of a user (logout everywhere, password change or reset, suspension, …). */
  async revokeAllForUser(userId: string, reason: string, exceptSessionId?: string): Promise<void> {
    await this.deps.sessions.revokeAllForUser(userId, reason, exceptSessionId);
  }

  private async reuseDetected(sessionId: string): Promise<never> {
    await this.deps.sessions.revokeSession(sessionId, 'refresh_reuse');
    throw new AppError(
      401,
      'refresh_token_reused',
      'This refresh token was already used; the session is revoked.',
    );
  }

  private refreshExpiry(): Date {
    return new Date(Date.now() + this.deps.refreshTtlSeconds * 1000);
  }

  private async issue(
    sessionId: string,
    userId: string,
    role: UserRow['role'],
    expiresAt = this.refreshExpiry(),
  ): Promise<TokenPair> {
    const refreshToken = randomBytes(32).toString('base64url');
    await this.deps.sessions.addRefreshToken(sessionId, hashToken(refreshToken), expiresAt);
    const accessToken = await this.deps.accessTokens.issue({ userId, sessionId, role });
    return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn: this.deps.accessTokens.ttlSeconds };
  }
}
