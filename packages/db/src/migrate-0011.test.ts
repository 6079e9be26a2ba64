/**
 * Migration 0011 renames `live` to `channels` and `content` to `videos`, and moves the users table to
 * `users` and chat's tables to `chat`: a database at 0010 with rows everywhere keeps every row.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from './client.ts';
import { migrateDatabase } from './migrate.ts';
import { channels, liveSessions, streamKeys } from './schema/channels.ts';
import {
  channelModerators,
  chatMessages,
  chatRestrictions,
  chatSettings,
  moderationLog,
} from './schema/chat.ts';
import { follows } from './schema/engagement.ts';
import { users } from './schema/users.ts';
import { uploads, videos } from './schema/videos.ts';
import { createScratchPostgresDatabase, testDatabases } from './testing.ts';

const MIGRATIONS = fileURLToPath(new URL('../drizzle', import.meta.url));

/** A copy of the migrations folder whose journal ends at `0010`. */
function migrationsUpTo0010(): string {
  const folder = mkdtempSync(join(tmpdir(), 'streamhub-migrations-'));
  cpSync(MIGRATIONS, folder, { recursive: true });
  const journalPath = join(folder, 'meta', '_journal.json');
  const journal = JSON.parse(readFileSync(journalPath, 'utf8')) as { entries: { tag: string }[] };
  const end = journal.entries.findIndex((entry) => entry.tag.startsWith('0010_'));
  if (end < 0) throw new Error('no 0010 migration in the journal');
  journal.entries = journal.entries.slice(0, end + 1);
  writeFileSync(journalPath, JSON.stringify(journal));
  return folder;
}

const ids = {
  owner: '00000000-0000-4000-8000-000000000001',
  viewer: '00000000-0000-4000-8000-000000000002',
  channel: '00000000-0000-4000-8000-000000000003',
  key: '00000000-0000-4000-8000-000000000004',
  session: '00000000-0000-4000-8000-000000000005',
  video: '00000000-0000-4000-8000-000000000006',
  message: '00000000-0000-4000-8000-000000000007',
};

// Written as 0010 named them: schema-qualified raw SQL, since the drizzle tables now name the new schemas.
const ROWS_AT_0010 = [
  `insert into auth.users (id, email, username, role) values
     ('${ids.owner}', 'owner@example.com', 'owner', 'admin'),
     ('${ids.viewer}', 'viewer@example.com', 'viewer', 'viewer')`,
  `insert into live.channels (id, owner_id, slug, title, category) values
     ('${ids.channel}', '${ids.owner}', 'kept', 'Kept', 'gaming')`,
  `insert into live.stream_keys (id, channel_id, name, key_hash, prefix) values
     ('${ids.key}', '${ids.channel}', 'main', 'hash', 'sk_live_x')`,
  `insert into live.live_sessions (id, channel_id, playback_id, stream_key_id) values
     ('${ids.session}', '${ids.channel}', 'playback-kept', '${ids.key}')`,
  `insert into content.videos (id, owner_id, channel_id, title, visibility) values
     ('${ids.video}', '${ids.owner}', '${ids.channel}', 'A kept video', 'unlisted')`,
  `insert into content.uploads (video_id, owner_id, length, expires_at) values
     ('${ids.video}', '${ids.owner}', 100, now() + interval '1 day')`,
  `insert into engagement.follows (follower_id, channel_id) values ('${ids.viewer}', '${ids.channel}')`,
  `insert into engagement.chat_messages (id, channel_id, session_id, author_id, body) values
     ('${ids.message}', '${ids.channel}', '${ids.session}', '${ids.viewer}', 'hello')`,
  `insert into engagement.chat_settings (channel_id, slow_mode_seconds) values ('${ids.channel}', 30)`,
  `insert into engagement.channel_moderators (channel_id, user_id) values ('${ids.channel}', '${ids.viewer}')`,
  `insert into engagement.chat_restrictions (channel_id, user_id, created_by) values
     ('${ids.channel}', '${ids.viewer}', '${ids.owner}')`,
  `insert into engagement.moderation_log (channel_id, actor_id, action, target_user_id, message_id) values
     ('${ids.channel}', '${ids.owner}', 'ban', '${ids.viewer}', '${ids.message}')`,
];

async function openEmpty(driver: 'pglite' | 'postgres'): Promise<Database> {
  if (driver === 'pglite') return openDatabase({ inMemory: true });
  const scratch = await createScratchPostgresDatabase();
  const database = await openDatabase({ databaseUrl: scratch.url });
  const { close } = database;
  return { ...database, close: () => close().then(scratch.drop) };
}

let upTo0010: string;
beforeAll(() => {
  upTo0010 = migrationsUpTo0010();
});
afterAll(() => {
  rmSync(upTo0010, { recursive: true, force: true });
});

const opened: Database[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((database) => database.close()));
});

describe.each(testDatabases())('migration 0011 on %s', (driver) => {
  it('moves every table to its domain schema and keeps its rows', async () => {
    const database = await openEmpty(driver);
    opened.push(database);
    await migrateDatabase(database, upTo0010);
    for (const statement of ROWS_AT_0010) await database.db.execute(sql.raw(statement));

    await migrateDatabase(database);

    const { db } = database;
    expect(await db.select({ id: users.id, role: users.role }).from(users).orderBy(users.email)).toEqual([
      { id: ids.owner, role: 'admin' },
      { id: ids.viewer, role: 'viewer' },
    ]);
    expect(await db.select({ slug: channels.slug }).from(channels)).toEqual([{ slug: 'kept' }]);
    expect(await db.$count(streamKeys)).toBe(1);
    expect(await db.select({ status: liveSessions.status }).from(liveSessions)).toEqual([{ status: 'live' }]);
    expect(await db.select({ visibility: videos.visibility }).from(videos)).toEqual([
      { visibility: 'unlisted' },
    ]);
    expect(await db.$count(uploads)).toBe(1);
    expect(await db.$count(follows)).toBe(1);
    expect(await db.select({ body: chatMessages.body }).from(chatMessages)).toEqual([{ body: 'hello' }]);
    expect(await db.select({ seconds: chatSettings.slowModeSeconds }).from(chatSettings)).toEqual([
      { seconds: 30 },
    ]);
    expect(await db.$count(channelModerators)).toBe(1);
    expect(await db.$count(chatRestrictions)).toBe(1);
    expect(await db.select({ action: moderationLog.action }).from(moderationLog)).toEqual([
      { action: 'ban' },
    ]);

    const oldSchemas = await db
      .select({ name: sql<string>`nspname::text` })
      .from(sql`pg_namespace`)
      .where(sql`nspname in ('live', 'content')`);
    expect(oldSchemas).toEqual([]);
    const leftInEngagement = await db
      .select({ name: sql<string>`tablename::text` })
      .from(sql`pg_tables`)
      .where(sql`schemaname = 'engagement'`)
      .orderBy(sql`tablename`);
    expect(leftInEngagement.map((row) => row.name)).toEqual(['comments', 'follows', 'likes']);

    // The foreign keys moved with their tables: deleting the account still cascades everywhere.
    await db.delete(users).where(sql`${users.id} = ${ids.viewer}`);
    expect(await db.$count(chatMessages)).toBe(0);
    expect(await db.$count(follows)).toBe(0);
    expect(await db.$count(channelModerators)).toBe(0);
  });
});
