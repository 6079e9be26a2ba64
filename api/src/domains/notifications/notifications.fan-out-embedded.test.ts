/**
 * On the embedded setup PGlite runs every statement on the gateway's own thread, so a go-live fan-out
 * must leave the thread to HTTP between its chunks (docs/notifications.md): a request made while the
 * fan-out runs is answered before it ends, not after its last chunk.
 */
import { randomUUID } from 'node:crypto';
import { channels } from '@streamhub/db/schema/channels';
import { notifications } from '@streamhub/db/schema/notifications';
import { users } from '@streamhub/db/schema/users';
import { count, eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../app.ts';
import { USER_BATCH_ROOM } from '../../realtime/user-batch.ts';
import { serveHttp } from '../../server/serve.ts';
import type { RunningServer } from '../../server/types.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { EMBEDDED_FAN_OUT_CHUNKS } from './fan-out-chunks.ts';

// Enough chunks that the request's round trip (several turns of the loop) fits well inside the fan-out:
// at least 12 of the largest size the chunks may grow to.
const FOLLOWERS = EMBEDDED_FAN_OUT_CHUNKS.max * 12;

describe('go-live fan-out on the embedded setup (PGlite on the gateway thread)', () => {
  let backends: TestBackends;
  let server: RunningServer;

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    const { app } = createApp(backends.deps());
    server = await serveHttp({ fetch: app.fetch, host: '127.0.0.1', port: 0, gracePeriodMs: 500 });
  });
  afterAll(async () => {
    await server?.close();
    await backends?.close();
  });

  it('answers an HTTP request between two chunks, before the fan-out ends', async () => {
    const { db } = backends.database;
    const tag = randomUUID().slice(0, 8);
    const [owner] = await db
      .insert(users)
      .values({ email: `owner-${tag}@example.test`, username: `owner_${tag}`, role: 'streamer' })
      .returning({ id: users.id });
    if (!owner) throw new Error('no owner');
    const channelId = randomUUID();
    await db
      .insert(channels)
      .values({ id: channelId, ownerId: owner.id, slug: `emb-${tag}`, title: 'Embedded', category: 'talk' });
    await db.execute(sql`
      insert into users.users (email, username)
      select 'f' || g || '-' || ${tag} || '@example.test', 'f' || g || '_' || ${tag}
      from generate_series(1, ${FOLLOWERS}) g`);
    await db.execute(sql`
      insert into engagement.follows (follower_id, channel_id)
      select id, ${channelId}::uuid from users.users where email like ${`f%-${tag}@example.test`}`);

    // Fired when the first chunk's user batch is published: the fan-out has many chunks still to go.
    let batches = 0;
    let answered: { status: number; afterBatches: number; fanOutEnded: boolean } | undefined;
    let asked = false;
    let fanOutEnded = false;
    backends.rooms.subscribe((room) => {
      if (room !== USER_BATCH_ROOM) return;
      batches += 1;
      if (asked) return;
      asked = true;
      // Where the answer lands among the batches is what the test reads; a failed request leaves none.
      void fetch(`http://127.0.0.1:${server.port}/healthz`).then(
        (response) => {
          answered = { status: response.status, afterBatches: batches, fanOutEnded };
        },
        () => {},
      );
    });
    await backends.rooms.ready();
    const stored = await backends
      .deps()
      .services.notifications.notify({
        id: randomUUID(),
        name: 'stream.started',
        payload: {
          sessionId: randomUUID(),
          channelId,
          playbackId: `pb-${tag}`,
          slug: `emb-${tag}`,
          ownerId: owner.id,
          record: false,
          startedAt: new Date().toISOString(),
        },
      })
      .finally(() => {
        fanOutEnded = true;
      });
    await expect.poll(() => answered).toBeDefined();

    expect(stored).toBe(FOLLOWERS);
    const [row] = await db
      .select({ stored: count() })
      .from(notifications)
      .where(eq(notifications.channelId, channelId));
    expect(row?.stored).toBe(FOLLOWERS);
    await expect.poll(() => batches).toBeGreaterThanOrEqual(12);
    expect(answered).toMatchObject({ status: 200, fanOutEnded: false });
    expect(answered?.afterBatches).toBeLessThan(batches);
  });
});
