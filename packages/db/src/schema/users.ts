/** Tables of the users domain (accounts, profiles, roles), in Postgres schema `users`. */
import { sql } from 'drizzle-orm';
import { check, index, jsonb, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const usersSchema = pgSchema('users');

export const userRole = usersSchema.enum('user_role', ['viewer', 'streamer', 'moderator', 'admin']);
export const userStatus = usersSchema.enum('user_status', ['active', 'suspended']);

/** A link on a public profile. */
export interface ProfileLink {
  label: string;
  url: string;
}

export const users = usersSchema.table(
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

export type UserRow = typeof users.$inferSelect;
export type NewUserRow = typeof users.$inferInsert;
export type UserRole = (typeof userRole.enumValues)[number];
export type UserStatus = (typeof userStatus.enumValues)[number];
