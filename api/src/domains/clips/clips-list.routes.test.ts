/**
 * The channel's list of clips over HTTP on PGlite and PostgreSQL (`GET /api/v1/channels/{slug}/clips`):
 * the owner reads them newest first with their video's title and state and their maker's names, page
 * by page; deleting a clip's video takes it off the list; anyone else, signed in or not, sees only
 * the ready and public ones; bad input is problem+json. The clips are registered as the clips service does (a video of the channel through the
 * videos service, then the clip record), without cutting media: cutting is clips.routes.test's.
 */
import { ChannelClipPageSchema } from '@streamhub/contracts/clips';
import { videos } from '@streamhub/db/schema/videos';
import { testDatabases } from '@streamhub/db/testing';
import { inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { expectProblem, sendJson, streamerWithChannel } from '../../testing/channel-test-kit.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { ClipsRepository } from './clips.repository.ts';

describe.each(testDatabases())('GET /api/v1/channels/{slug}/clips on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps();
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  /** A clip of the channel made by `maker`, recorded as the clips service records one. */
  async function clipOf(channel: { id: string; ownerId: string }, maker: SignedInUser, title: string) {
    const videoId = await deps.services.videos.registerClip(
      {
        ownerId: channel.ownerId,
        channelId: channel.id,
        title,
        description: '',
        tags: [],
        category: 'software',
        visibility: 'public',
      },
      Buffer.from('not media: the listing does not read it'),
    );
    await new ClipsRepository(backends.database.db).insert(
      { videoId, channelId: channel.id, makerId: maker.account.id, seconds: 12 },
      async () => {},
    );
    return videoId;
  }

  const listOf = async (slug: string, who: SignedInUser, query = '') => {
    const response = await app.request(
      `/api/v1/channels/${slug}/clips${query}`,
      sendJson('GET', undefined, who.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(200);
    return ChannelClipPageSchema.parse(await response.json());
  };

  it('lists the clips newest first, with title, state and maker, page by page; a deleted one is gone', async () => {
    const { owner, channel } = await streamerWithChannel({ app, backends, slugPrefix: 'cliplist' });
    const viewer = await registerAndLogin(app, backends);
    const ref = { id: channel.id, ownerId: owner.account.id };
    const first = await clipOf(ref, owner, 'First <clip>');
    const second = await clipOf(ref, viewer, 'Second');
    const third = await clipOf(ref, viewer, 'Third');
    // Another channel's clip is not listed.
    const other = await streamerWithChannel({ app, backends, slugPrefix: 'cliplist' });
    await clipOf({ id: other.channel.id, ownerId: other.owner.account.id }, other.owner, 'Elsewhere');

    const all = await listOf(channel.slug, owner);
    expect(all.items.map((clip) => clip.videoId)).toEqual([third, second, first]);
    expect(all.nextCursor).toBeNull();
    expect(all.items[2]).toMatchObject({
      title: 'First <clip>',
      seconds: 12,
      maker: { username: owner.account.username, displayName: owner.account.displayName },
      watchUrl: expect.stringMatching(new RegExp(`/v/${first}$`)),
    });
    expect(all.items[0]?.maker.username).toBe(viewer.account.username);
    expect(['uploaded', 'processing', 'ready', 'failed']).toContain(all.items[0]?.status);

    const page1 = await listOf(channel.slug, owner, '?limit=2');
    expect(page1.items.map((clip) => clip.videoId)).toEqual([third, second]);
    const page2 = await listOf(
      channel.slug,
      owner,
      `?limit=2&cursor=${encodeURIComponent(page1.nextCursor ?? '')}`,
    );
    expect(page2.items.map((clip) => clip.videoId)).toEqual([first]);
    expect(page2.nextCursor).toBeNull();

    // The owner deletes a clip by deleting its video; the record goes with it.
    const deleted = await app.request(
      `/api/v1/videos/${second}`,
      sendJson('DELETE', undefined, owner.authorization),
    );
    expect(deleted.status, await deleted.clone().text()).toBe(204);
    expect((await listOf(channel.slug, owner)).items.map((clip) => clip.videoId)).toEqual([third, first]);
  });

  it('shows anyone else, signed in or not, only the ready and public clips', async () => {
    const { owner, channel } = await streamerWithChannel({ app, backends, slugPrefix: 'cliplist' });
    const viewer = await registerAndLogin(app, backends);
    const ref = { id: channel.id, ownerId: owner.account.id };
    const [processing, shown, hidden, forSubscribers, unlisted] = [
      await clipOf(ref, viewer, 'Processing'),
      await clipOf(ref, viewer, 'Public'),
      await clipOf(ref, viewer, 'Private'),
      await clipOf(ref, viewer, 'Subscribers'),
      await clipOf(ref, viewer, 'Unlisted'),
    ];
    // Processed (no job runs here), then the owner narrows who may see three of them.
    await backends.database.db
      .update(videos)
      .set({ status: 'ready' })
      .where(inArray(videos.id, [shown, hidden, forSubscribers, unlisted]));
    for (const [id, visibility] of [
      [hidden, 'private'],
      [forSubscribers, 'subscribers'],
      [unlisted, 'unlisted'],
    ] as const) {
      const changed = await app.request(
        `/api/v1/videos/${id}`,
        sendJson('PATCH', { visibility }, owner.authorization),
      );
      expect(changed.status, await changed.clone().text()).toBe(200);
    }
    const anonymous = await app.request(`/api/v1/channels/${channel.slug}/clips`);
    expect(anonymous.status, await anonymous.clone().text()).toBe(200);
    const seen = ChannelClipPageSchema.parse(await anonymous.json());
    expect(seen.items.map((clip) => [clip.videoId, clip.status, clip.maker.username])).toEqual([
      [shown, 'ready', viewer.account.username],
    ]);
    // The maker is a viewer like any other: the clips it made that are not public are not listed to it.
    expect((await listOf(channel.slug, viewer)).items.map((clip) => clip.videoId)).toEqual([shown]);
    expect((await listOf(channel.slug, owner)).items.map((clip) => clip.videoId)).toEqual([
      unlisted,
      forSubscribers,
      hidden,
      shown,
      processing,
    ]);
  });

  it('refuses an unknown channel, bad paging and a bad token', async () => {
    const { owner, channel } = await streamerWithChannel({ app, backends, slugPrefix: 'cliplist' });
    const path = `/api/v1/channels/${channel.slug}/clips`;
    const get = (url: string, who: SignedInUser) =>
      app.request(url, sendJson('GET', undefined, who.authorization));
    await expectProblem(await get('/api/v1/channels/no-such-channel/clips', owner), 404, 'not_found');
    await expectProblem(await app.request('/api/v1/channels/no-such-channel/clips'), 404, 'not_found');
    await expectProblem(await get(`${path}?limit=0`, owner), 422, 'validation_failed');
    await expectProblem(await get(`${path}?cursor=not-a-cursor`, owner), 422, 'validation_failed');
    await expectProblem(
      await app.request(path, { headers: { Authorization: 'Bearer not-a-token' } }),
      401,
      'invalid_token',
    );
  });
});
