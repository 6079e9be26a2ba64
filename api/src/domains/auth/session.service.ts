/**
 * Login sessions. Each session is one refresh-token family: refresh tokens are opaque, stored hashed
 * and single-use; presenting a used one again means it was copied, so the whole family is revoked.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TokenPair, UserSession } from '@streamhub/contracts/auth';
import type { DomainEvents } from '@streamhub/contracts/events';
import type { UserRole, UserRow } from '@streamhub/db/schema/users';
import { AppError, notFound } from '@streamhub/errors/app-error';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { appendDomainEvent } from '../../events/durable.ts';
import type { AccessTokens } from './access-tokens.ts';
import type { SessionMeta, SessionsRepository } from './sessions.repository.ts';

export interface SessionServiceDeps {
  sessions: SessionsRepository;
  accessTokens: AccessTokens;
  refreshTtlSeconds: number;
  /** `session.revoked` goes here: every gateway replica signs the sockets of revoked sessions out. */
  events: Pick<EventBus<DomainEvents>, 'publish'>;
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
    return this.check(claims.sessionId, claims.userId);
  }

  /**
   * The caller of a session that signed in earlier (a WebSocket re-checks before each post): throws
   * `invalid_token` once it is revoked or expired, `account_suspended` while the user is suspended.
   */
  async check(sessionId: string, userId: string): Promise<AuthContext> {
    const standing = await this.deps.sessions.standing(sessionId);
    if (
      !standing ||
      standing.userId !== userId ||
      standing.revokedAt !== null ||
      standing.expiresAt <= new Date()
    ) {
      throw invalidToken();
    }
    if (standing.status !== 'active') throw accountSuspended();
    // Role and status come from the database, never from the token (whose `role` claim is only what it
    // was at issue): a demotion or suspension applies to the very next request.
    return {
      userId: standing.userId,
      sessionId,
      role: standing.role,
      emailVerified: standing.emailVerified,
    };
  }

  /** Opens a session for a user who just proved who they are (password, OAuth, …). */
  async start(user: Pick<UserRow, 'id' | 'role' | 'status'>, meta: SessionMeta): Promise<TokenPair> {
    if (user.status !== 'active') throw accountSuspended();
    // `user.signed_in` commits with the session, so the owner hears of a sign-in from a new device.
    const session = await this.deps.sessions.createSession(
      user.id,
      this.refreshExpiry(),
      meta,
      (tx, opened) =>
        appendDomainEvent(
          tx,
          'user.signed_in',
          {
            userId: user.id,
            sessionId: opened.session.id,
            userAgent: opened.session.userAgent,
            ip: opened.session.ip,
            firstSignIn: opened.firstSignIn,
            knownDevice: opened.knownDevice,
            signedInAt: opened.session.createdAt.toISOString(),
          },
          { aggregate: `user:${user.id}` },
        ),
    );
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
    await this.revokeOne(sessionId, 'logout');
  }

  /** Ends every session of a user (logout everywhere, password change or reset, suspension, …). */
  async revokeAllForUser(userId: string, reason: string, exceptSessionId?: string): Promise<void> {
    const sessionIds = await this.deps.sessions.revokeAllForUser(userId, reason, exceptSessionId);
    await this.announceRevoked(userId, sessionIds, reason);
  }

  /** The user's live sessions, `current` marking the one asking (settings: "where am I signed in"). */
  async listForUser(userId: string, currentSessionId: string): Promise<UserSession[]> {
    const rows = await this.deps.sessions.listLiveForUser(userId);
    return rows.map((row) => ({
      id: row.id,
      createdAt: row.createdAt.toISOString(),
      lastUsedAt: row.lastUsedAt.toISOString(),
      expiresAt: row.expiresAt.toISOString(),
      userAgent: row.userAgent,
      ip: row.ip,
      current: row.id === currentSessionId,
    }));
  }

  /**
   * Ends one of the user's own sessions (the current one too, like logout). Another user's session, or
   * one already ended, is not found: the answer never says whether an id exists elsewhere.
   */
  async revokeOwn(userId: string, sessionId: string): Promise<void> {
    if (!(await this.deps.sessions.revokeSessionOf(userId, sessionId, 'revoked_by_user'))) {
      throw notFound('Session');
    }
    await this.announceRevoked(userId, [sessionId], 'revoked_by_user');
  }

  private async revokeOne(sessionId: string, reason: string): Promise<void> {
    const revoked = await this.deps.sessions.revokeSession(sessionId, reason);
    if (revoked) await this.announceRevoked(revoked.userId, [sessionId], reason);
  }

  /**
   * Awaited, like `user.suspended`: the caller's answer means the sockets are being signed out. The
   * revocation itself is committed before, so HTTP requests of these sessions fail whatever happens here.
   */
  private async announceRevoked(userId: string, sessionIds: string[], reason: string): Promise<void> {
    if (sessionIds.length === 0) return;
    await this.deps.events.publish('session.revoked', {
      userId,
      sessionIds,
      reason,
      revokedAt: new Date().toISOString(),
    });
  }

  private async reuseDetected(sessionId: string): Promise<never> {
    await this.revokeOne(sessionId, 'refresh_reuse');
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
