/** drizzle queries on `auth.sessions` and `auth.refresh_tokens`. */
import type { Db } from '@streamhub/db/client';
import { type RefreshTokenRow, refreshTokens, type SessionRow, sessions } from '@streamhub/db/schema/auth';
import { type UserRole, type UserStatus, users } from '@streamhub/db/schema/users';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

export interface SessionMeta {
  userAgent?: string;
  ip?: string;
}

export interface RefreshTokenLookup {
  token: RefreshTokenRow;
  session: SessionRow;
  user: { id: string; role: UserRole; status: UserStatus };
}

export interface SessionStanding {
  revokedAt: Date | null;
  expiresAt: Date;
  userId: string;
  role: UserRole;
  status: UserStatus;
  emailVerified: boolean;
}

/**
 * The session check every authenticated request runs, built once: building a drizzle select costs
 * about 130 µs of CPU per call, running the prepared one about 45 µs (docs/benchmarks.md, Gateway).
 */
const prepareStanding = (db: Db) =>
  db
    .select({
      revokedAt: sessions.revokedAt,
      expiresAt: sessions.expiresAt,
      userId: users.id,
      role: users.role,
      status: users.status,
      emailVerified: sql<boolean>`${users.emailVerifiedAt} is not null`,
    })
    .from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId))
    .where(eq(sessions.id, sql.placeholder('sessionId')))
    .limit(1)
    .prepare('auth_session_standing');

/** A session just opened, and what the account's earlier sessions say about it. */
export interface NewSession {
  session: SessionRow;
  firstSignIn: boolean;
  knownDevice: boolean;
}

export class SessionsRepository {
  private standingQuery: ReturnType<typeof prepareStanding> | undefined;

  constructor(private readonly db: Db) {}

  /**
   * Opens a session; `then` runs in its transaction, told whether the account had a session before and
   * one from this user agent (a sign-in from a new device).
   */
  async createSession(
    userId: string,
    expiresAt: Date,
    meta: SessionMeta,
    then?: InTransaction<NewSession>,
  ): Promise<SessionRow> {
    const userAgent = meta.userAgent?.slice(0, 300) ?? null;
    return this.db.transaction(async (tx) => {
      const [earlier] = await tx
        .select({
          any: sql<boolean>`count(*) > 0`,
          sameAgent: sql<boolean>`coalesce(bool_or(${sessions.userAgent} is not distinct from ${userAgent}), false)`,
        })
        .from(sessions)
        .where(eq(sessions.userId, userId));
      const [row] = await tx
        .insert(sessions)
        .values({ userId, expiresAt, userAgent, ip: meta.ip ?? null })
        .returning();
      if (!row) throw new Error('insert into auth.sessions returned no row');
      await then?.(tx, {
        session: row,
        firstSignIn: !earlier?.any,
        knownDevice: earlier?.sameAgent === true,
      });
      return row;
    });
  }

  async addRefreshToken(sessionId: string, tokenHash: string, expiresAt: Date): Promise<void> {
    await this.db.insert(refreshTokens).values({ sessionId, tokenHash, expiresAt });
  }

  async findRefreshToken(tokenHash: string): Promise<RefreshTokenLookup | undefined> {
    const [row] = await this.db
      .select({
        token: refreshTokens,
        session: sessions,
        user: { id: users.id, role: users.role, status: users.status },
      })
      .from(refreshTokens)
      .innerJoin(sessions, eq(sessions.id, refreshTokens.sessionId))
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(refreshTokens.tokenHash, tokenHash))
      .limit(1);
    return row;
  }

  /** Marks a refresh token used; false when it already was (a concurrent or replayed use). */
  async markRefreshTokenUsed(id: string): Promise<boolean> {
    const rows = await this.db
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
      .returning({ id: refreshTokens.id });
    return rows.length === 1;
  }

  async extendSession(id: string, expiresAt: Date): Promise<void> {
    await this.db.update(sessions).set({ lastUsedAt: sql`now()`, expiresAt }).where(eq(sessions.id, id));
  }

  /**
   * What the auth guard needs on every request: is the session live and the user allowed in. Two primary
   * key lookups, so reading the role and status afresh costs next to nothing.
   */
  async standing(sessionId: string): Promise<SessionStanding | undefined> {
    this.standingQuery ??= prepareStanding(this.db);
    const [row] = await this.standingQuery.execute({ sessionId });
    return row;
  }

  /** The user's sessions that are neither revoked nor expired, the most recently used first. */
  async listLiveForUser(userId: string): Promise<SessionRow[]> {
    return this.db
      .select()
      .from(sessions)
      .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, sql`now()`)))
      .orderBy(desc(sessions.lastUsedAt), desc(sessions.createdAt));
  }

  /** Revokes a live session of this user only; returns whether it did. */
  async revokeSessionOf(userId: string, id: string, reason: string): Promise<boolean> {
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(sessions.id, id), eq(sessions.userId, userId), isNull(sessions.revokedAt)))
      .returning({ id: sessions.id });
    return rows.length === 1;
  }

  /** Revokes a live session; returns its user, or undefined when it was unknown or already revoked. */
  async revokeSession(id: string, reason: string): Promise<{ userId: string } | undefined> {
    const [row] = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
      .returning({ userId: sessions.userId });
    return row;
  }

  /** Revokes the user's live sessions (but one); returns the ids of those it revoked. */
  async revokeAllForUser(userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
    const rows = await this.db
      .update(sessions)
      .set({ revokedAt: sql`now()`, revokedReason: reason })
      .where(
        and(
          eq(sessions.userId, userId),
          isNull(sessions.revokedAt),
          exceptSessionId ? ne(sessions.id, exceptSessionId) : undefined,
        ),
      )
      .returning({ id: sessions.id });
    return rows.map((row) => row.id);
  }
}
