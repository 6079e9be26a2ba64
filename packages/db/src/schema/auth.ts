/** Tables of the auth domain (accounts and their roles), in Postgres schema `auth`. */
import { sql } from 'drizzle-orm';
import {
  check,
  index,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const authSchema = pgSchema('auth');

export const userRole = authSchema.enum('user_role', ['viewer', 'streamer', 'moderator', 'admin']);
export const userStatus = authSchema.enum('user_status', ['active', 'suspended']);
export const emailTokenPurpose = authSchema.enum('email_token_purpose', ['verify_email', 'reset_password']);
export const oauthProvider = authSchema.enum('oauth_provider', ['github', 'google']);

/** A link on a public profile. */
export interface ProfileLink {
  label: string;
  url: string;
}

export const users = authSchema.table(
  'users',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    email: text('email').notNull(),
    username: text('username').notNull(),
    displayName: text('display_name'),
    bio: text('bio'),
    links: jsonb('links').$type<ProfileLink[]>().notNull().default([]),
    // Random id naming the current avatar's files; a new upload gets a new id, so URLs can be cached forever.
    avatarId: text('avatar_id'),
    role: userRole('role').notNull().default('viewer'),
    status: userStatus('status').notNull().default('active'),
    // Null for accounts that only sign in through OAuth.
    passwordHash: text('password_hash'),
    emailVerifiedAt: timestamp('email_verified_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true })
      .notNull()
      .defaultNow()
      .$onUpdate(() => sql`now()`),
  },
  (t) => [
    uniqueIndex('users_email_unique').on(t.email),
    // Uniqueness on lower() so that "Alice" and "alice" cannot both exist, while the chosen case is kept.
    uniqueIndex('users_username_lower_unique').on(sql`lower(${t.username})`),
    // Lookups lower-case the address; a mixed-case row written by any other path would never be found.
    check('users_email_lowercase', sql`${t.email} = lower(${t.email})`),
    // Keyset pagination order.
    index('users_created_at_id_idx').on(t.createdAt, t.id),
  ],
);

/** A login session: one refresh-token family. Revoking it ends every token it issued. */
export const sessions = authSchema.table(
  'sessions',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    // logout, logout_all, password_changed, password_reset, refresh_reuse, …
    revokedReason: text('revoked_reason'),
    userAgent: text('user_agent'),
    ip: text('ip'),
  },
  (t) => [index('sessions_user_id_idx').on(t.userId)],
);

/** Opaque refresh tokens, stored as SHA-256 hashes; each is used once and replaced by the next. */
export const refreshTokens = authSchema.table(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    sessionId: uuid('session_id')
      .notNull()
      .references(() => sessions.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    // Set when rotated; presenting a used token again is theft and revokes the session.
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('refresh_tokens_hash_unique').on(t.tokenHash),
    index('refresh_tokens_session_idx').on(t.sessionId),
  ],
);

/** Single-use, expiring tokens sent by email (verification, password reset), stored hashed. */
export const emailTokens = authSchema.table(
  'email_tokens',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    purpose: emailTokenPurpose('purpose').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('email_tokens_hash_unique').on(t.tokenHash),
    index('email_tokens_user_idx').on(t.userId, t.purpose),
  ],
);

/** An external identity (GitHub, Google) linked to a user. */
export const oauthAccounts = authSchema.table(
  'oauth_accounts',
  {
    provider: oauthProvider('provider').notNull(),
    providerUserId: text('provider_user_id').notNull(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    email: text('email'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.provider, t.providerUserId] }),
    index('oauth_accounts_user_idx').on(t.userId),
  ],
);

/** Pending OAuth authorizations: the state (hashed) and the PKCE verifier, valid for minutes. */
export const oauthStates = authSchema.table('oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  provider: oauthProvider('provider').notNull(),
  codeVerifier: text('code_verifier').notNull(),
  redirectTo: text('redirect_to'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
});

export type UserRow = typeof users.$inferSelect;
export type SessionRow = typeof sessions.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type EmailTokenRow = typeof emailTokens.$inferSelect;
export type EmailTokenPurpose = (typeof emailTokenPurpose.enumValues)[number];
export type OAuthAccountRow = typeof oauthAccounts.$inferSelect;
export type OAuthProvider = (typeof oauthProvider.enumValues)[number];
export type OAuthStateRow = typeof oauthStates.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type UserRole = (typeof userRole.enumValues)[number];
export type UserStatus = (typeof userStatus.enumValues)[number];
