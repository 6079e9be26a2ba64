/**
 * Tables of the settings domain, in Postgres schema `settings`: the instance settings an admin changed
 * at run time (docs/configuration: README's configuration table says which). A setting without a row
 * takes its environment variable's value.
 */
import { jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

export const settingsSchema = pgSchema('settings');

/**
 * One row per overridden setting, key/value: a new setting needs no migration, and a key this release
 * does not know (written by a newer one during a rolling upgrade) is ignored rather than failing reads.
 * `value` is checked by the setting's zod schema when read, never trusted as stored.
 */
export const instanceSettings = settingsSchema.table('instance_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export type InstanceSettingRow = typeof instanceSettings.$inferSelect;
