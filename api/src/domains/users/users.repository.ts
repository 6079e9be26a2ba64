/** drizzle queries on `users.users`. No rules here: the users service decides who may do what. */
import type { Db } from '@streamhub/db/client';
import { toUniqueViolation } from '@streamhub/db/errors';
import { decodeCursor, encodeCursor, keysetAfter, keysetTimestamp } from '@streamhub/db/keyset';
import {
  type ProfileLink,
  type UserRole,
  type UserRow,
  type UserStatus,
  users,
} from '@streamhub/db/schema/users';
import { and, asc, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { InTransaction } from '../../events/durable.ts';

export type UserUniqueField = 'email' | 'username';

// Index names from packages/db/src/schema/users.ts, in the terms the service maps to messages.
const UNIQUE_FIELDS: Readonly<Record<string, UserUniqueField>> = {
  users_email_unique: 'email',
  users_username_lower_unique: 'username',
};

export interface CreateUserInput {
  email: string;
  username: string;
  displayName?: string | null;
  role?: UserRole;
  status?: UserStatus;
  passwordHash?: string | null;
  emailVerifiedAt?: Date | null;
}

export interface ListUsersOptions {
  /** Page size, at least 1. */
  limit: number;
  /** `nextCursor` of the previous page. */
  cursor?: string;
  /** Case-insensitive substring of the username or email. */
  query?: string;
}

/** Editable profile fields; a key left out is left unchanged, null clears the field. */
export interface ProfilePatch {
  displayName?: string | null;
  bio?: string | null;
  links?: ProfileLink[];
}

export interface UserPage {
  items: UserRow[];
  /** Null on the last page. */
  nextCursor: string | null;
}

export class UsersRepository {
  constructor(private readonly db: Db) {}

  /**
   * Inserts a user with the email lower-cased. Throws `UniqueViolationError<UserUniqueField>` when the
   * email or the username (ignoring case) is taken. `then` runs in the insert's transaction.
   */
  async create(input: CreateUserInput, then?: InTransaction<UserRow>): Promise<UserRow> {
    try {
      return await this.db.transaction(async (tx) => {
        const [row] = await tx
          .insert(users)
          // Lower-cased by Postgres, the same lower() the check constraint and the lookups use.
          .values({ ...input, email: sql`lower(${input.email})` })
          .returning();
        if (!row) throw new Error('insert into users.users returned no row');
        await then?.(tx, row);
        return row;
      });
    } catch (error) {
      throw toUniqueViolation(error, UNIQUE_FIELDS) ?? error;
    }
  }

  async findById(id: string): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.findOne(eq(users.id, id));
  }

  async findByEmail(email: string): Promise<UserRow | undefined> {
    return this.findOne(eq(users.email, sql`lower(${email})`));
  }

  async findByUsername(username: string): Promise<UserRow | undefined> {
    // Must match the expression of users_username_lower_unique for the index to be used.
    return this.findOne(sql`lower(${users.username}) = lower(${username})`);
  }

  /** Oldest first, by keyset on (created_at, id), so pages neither repeat nor skip rows. */
  async list(options: ListUsersOptions): Promise<UserPage> {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`limit must be a positive integer, got ${options.limit}`);
    }
    const position = options.cursor === undefined ? undefined : decodeCursor(options.cursor);
    const filters: (SQL | undefined)[] = [];
    if (position) filters.push(keysetAfter(users.createdAt, users.id, position));
    if (options.query) {
      const pattern = `%${escapeLike(options.query)}%`;
      filters.push(or(ilike(users.username, pattern), ilike(users.email, pattern)));
    }
    const rows = await this.db
      .select({ user: users, createdAtKey: keysetTimestamp(users.createdAt) })
      .from(users)
      .where(and(...filters))
      .orderBy(asc(users.createdAt), asc(users.id))
      // One extra row tells whether another page exists.
      .limit(options.limit + 1);
    const page = rows.slice(0, options.limit);
    const last = page.at(-1);
    return {
      items: page.map((row) => row.user),
      nextCursor:
        rows.length > options.limit && last
          ? encodeCursor({ createdAt: last.createdAtKey, id: last.user.id })
          : null,
    };
  }

  /** Returns the updated row, or undefined when no user has this id. */
  async setRole(id: string, role: UserRole): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    const [row] = await this.db.update(users).set({ role }).where(eq(users.id, id)).returning();
    return row;
  }

  /**
   * Returns the updated row, or undefined when no user has this id. `then` runs in the update's
   * transaction (its durable event) when a row was updated.
   */
  async setStatus(
    id: string,
    status: UserStatus,
    then?: InTransaction<UserRow>,
  ): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.db.transaction(async (tx) => {
      const [row] = await tx.update(users).set({ status }).where(eq(users.id, id)).returning();
      if (row) await then?.(tx, row);
      return row;
    });
  }

  /** Sets the given profile fields (undefined ones are left alone); undefined when no user has this id. */
  async updateProfile(id: string, patch: ProfilePatch): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    // drizzle refuses an UPDATE with nothing to set.
    if (Object.values(patch).every((value) => value === undefined)) return this.findById(id);
    const [row] = await this.db.update(users).set(patch).where(eq(users.id, id)).returning();
    return row;
  }

  /**
   * Points the user at a new avatar (or none) and returns the avatar it replaced, read under a row lock
   * so that of two concurrent uploads each learns exactly the files it made obsolete.
   */
  async replaceAvatarId(
    id: string,
    avatarId: string | null,
  ): Promise<{ user: UserRow; previousAvatarId: string | null } | undefined> {
    if (!isUuid(id)) return undefined;
    return this.db.transaction(async (tx) => {
      const [current] = await tx
        .select({ avatarId: users.avatarId })
        .from(users)
        .where(eq(users.id, id))
        .for('update');
      if (!current) return undefined;
      const [user] = await tx.update(users).set({ avatarId }).where(eq(users.id, id)).returning();
      if (!user) throw new Error('users.users row vanished under a row lock');
      return { user, previousAvatarId: current.avatarId };
    });
  }

  /**
   * Deletes the user (sessions, tokens and linked identities cascade); returns the deleted row. `then`
   * runs in the deletion's transaction (its durable event) when a row was deleted.
   */
  async delete(id: string, then?: InTransaction<UserRow>): Promise<UserRow | undefined> {
    if (!isUuid(id)) return undefined;
    return this.db.transaction(async (tx) => {
      const [row] = await tx.delete(users).where(eq(users.id, id)).returning();
      if (row) await then?.(tx, row);
      return row;
    });
  }

  /**
   * Marks the address verified (an earlier verification time is kept; `at` defaults to now) and, when
   * given, sets or clears the password hash. Auth's email and OAuth flows run it on their transaction.
   */
  async confirmEmail(
    id: string,
    change: { at?: Date; passwordHash?: string | null } = {},
  ): Promise<UserRow | undefined> {
    const at = change.at ? sql`${change.at.toISOString()}::timestamptz` : sql`now()`;
    const [row] = await this.db
      .update(users)
      .set({
        emailVerifiedAt: sql`coalesce(${users.emailVerifiedAt}, ${at})`,
        ...(change.passwordHash !== undefined ? { passwordHash: change.passwordHash } : {}),
      })
      .where(eq(users.id, id))
      .returning();
    return row;
  }

  async setPasswordHash(id: string, passwordHash: string, then?: InTransaction): Promise<void> {
    await this.db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash }).where(eq(users.id, id));
      await then?.(tx);
    });
  }

  private async findOne(where: SQL): Promise<UserRow | undefined> {
    const [row] = await this.db.select().from(users).where(where).limit(1);
    return row;
  }
}

// Postgres rejects a malformed uuid with an error; an id from a URL is simply not found.
function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}

// The query is a literal substring, not a pattern: `%` and `_` in it match themselves.
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, '\\$&');
}
