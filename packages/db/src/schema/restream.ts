/**
 * Tables of the restream domain, in Postgres schema `restream` (docs/restream.md): the other RTMP(S)
 * destinations a channel is forwarded to while live, with the state the media node last reported.
 */
import { sql } from 'drizzle-orm';
import { boolean, check, index, pgSchema, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { channels } from './channels.ts';

export const restreamSchema = pgSchema('restream');

/**
 * One destination. `url` is the server part (`rtmps://a.rtmp.youtube.com/live2`); the stream key is
 * sealed with AES-256-GCM under `RESTREAM_SECRET` (`key_sealed`), and only its last characters are kept
 * readable (`key_hint`) for lists. `state`: `connecting`, `live`, `failed` (with `state_reason`) or
 * `offline`, as the media node last reported it.
 */
export const restreamDestinations = restreamSchema.table(
  'destinations',
  {
    id: uuid('id').primaryKey().default(sql`gen_random_uuid()`),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    url: text('url').notNull(),
    keySealed: text('key_sealed').notNull(),
    keyHint: text('key_hint').notNull(),
    enabled: boolean('enabled').notNull().default(true),
    state: text('state').$type<'connecting' | 'live' | 'failed' | 'offline'>().notNull().default('offline'),
    stateReason: text('state_reason'),
    stateAt: timestamp('state_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('destinations_channel_idx').on(t.channelId, t.createdAt),
    check('destinations_state_check', sql`${t.state} IN ('connecting', 'live', 'failed', 'offline')`),
  ],
);
