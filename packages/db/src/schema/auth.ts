/** Tables of the auth domain (accounts and their roles), in Postgres schema `auth`. */
import { sql } from 'drizzle-orm';
import { check, index, pgSchema, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';

export const authSchema = pgSchema('auth');

export const userRole = authSchema.enum('user_role', ['viewer', 'streamer', 'moderator', 'admin']);
export const userStatus = authSchema.enum('user_status', ['active', 'suspended']);

export const users = authSchema.table(
  'users',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    email: text('email').notNull(),
    username: text('username').notNull(),
    displayName: text('display_name'),
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
