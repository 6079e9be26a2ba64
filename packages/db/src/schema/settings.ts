/**
 * Tables of the settings domain, in Postgres schema `settings`: the instance settings an admin changed
 * at run time (docs/configuration: README's configuration table says which). A setting without a row
 * takes its environment variable's value.
 */
import { sql } from 'drizzle-orm';
import { index, jsonb, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
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

/** One setting's change within an admin's save: its stored value before and after (null: the default). */
export interface StoredSettingChange {
  key: string;
  from: unknown;
  to: unknown;
}

/**
 * The history of the settings: one row per admin's save, written with the change and its
 * `instance.settings_updated` outbox event, and kept when the outbox prunes published events.
 */
export const instanceSettingChanges = settingsSchema.table(
  'instance_setting_changes',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    actorId: uuid('actor_id').references(() => users.id, { onDelete: 'set null' }),
    changes: jsonb('changes').$type<StoredSettingChange[]>().notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('instance_setting_changes_newest_idx').on(t.createdAt, t.id)],
);

export type InstanceSettingChangeRow = typeof instanceSettingChanges.$inferSelect;
