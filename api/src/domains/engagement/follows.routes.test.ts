/** The follow routes over the real gateway app, on PGlite and PostgreSQL. */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DirectoryPageSchema, PublicChannelSchema } from '@streamhub/contracts/channels';
import {
  type FollowedChannel,
  FollowedChannelPageSchema,
  type Follower,
  FollowerPageSchema,
  FollowStateSchema,
} from '@streamhub/contracts/engagement';
import { testDatabases } from '@streamhub/db/testing';
import { FilesystemMediaStorage } from '@streamhub/infra/media-storage/filesystem';
import { mediaKeys } from '@streamhub/infra/media-storage/keys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { UsersRepository } from '../users/users.repository.ts';
import {
  eventually,
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from './engagement-test-kit.ts';

const PUBLIC_URL = 'https://tv.example';

describe.each(testDatabases())('follow routes on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const followed = () => storedEvents(backends.database.db, 'user.followed');

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps(
      // Its own media directory: a test writes a live thumbnail there.
      { STREAMHUB_DATA_DIR: mkdtempSync(join(tmpdir(), 'streamhub-follows-')), PUBLIC_URL },
      {},
      { abusePolicy: MANY_LOGINS_POLICY },
    );
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const channel = () => streamerWithChannel(app, backends, deps);
  const viewer = () => registerAndLogin(app, backends);
  const followState = async (slug: string, user: SignedInUser, method = 'GET') =>
    expectJson(
      await app.request(`/api/v1/channels/${slug}/follow`, send(method, undefined, user)),
      FollowStateSchema,
    );

  /** Every page of a list, following nextCursor, with the page size `limit`. */
  async function allPages<T>(
    path: string,
    user: SignedInUser,
    schema: { parse(value: unknown): { items: T[]; nextCursor: string | null } },
    limit: number,
  ): Promise<{ items: T[]; pages: number }> {
    const items: T[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = `limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await expectJson(
        await app.request(`${path}?${query}`, send('GET', undefined, user)),
        schema,
      );
      items.push(...page.items);
      cursor = page.nextCursor;
      pages += 1;
      expect(pages).toBeLessThan(50);
    } while (cursor);
    return { items, pages };
  }

  it('documents every follow operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'follows')).toEqual(
      [
        'followChannel',
        'getFollowState',
        'listChannelFollowers',
        'listFollowedChannels',
        'unfollowChannel',
      ].sort(),
    );
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, unknown>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
    };
    const followedChannel = doc.components.schemas.FollowedChannel;
    expect(followedChannel?.properties.thumbnailUrl).toMatchObject({ type: ['string', 'null'] });
    expect(followedChannel?.required).toContain('thumbnailUrl');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/channels/{slug}/follow',
        '/api/v1/channels/{slug}/followers',
        '/api/v1/me/following',
      ]),
    );
  });

  it('follows and unfollows idempotently, counting each follower once and publishing one event', async () => {
    const { owner, slug, channelId } = await channel();
    const [ada, bob] = [await viewer(), await viewer()];
    expect(await followState(slug, ada)).toEqual({ following: false, followerCount: 0 });

    expect(await followState(slug, ada, 'PUT')).toEqual({ following: true, followerCount: 1 });
    expect(await followState(slug, ada, 'PUT')).toEqual({ following: true, followerCount: 1 });
    expect(await followState(slug.toUpperCase(), bob, 'PUT')).toEqual({ following: true, followerCount: 2 });
    expect(await followState(slug, ada)).toEqual({ following: true, followerCount: 2 });

    const page = PublicChannelSchema.strict().parse(
      await (await app.request(`/api/v1/channels/${slug}`)).json(),
    );
    expect(page.followerCount).toBe(2);

    await eventually(async () =>
      expect((await followed()).filter((event) => event.channelId === channelId)).toHaveLength(2),
    );
    const adaEvents = (await followed()).filter((event) => event.followerId === ada.account.id);
    expect(adaEvents).toEqual([
      {
        followerId: ada.account.id,
        channelId,
        slug,
        ownerId: owner.account.id,
        followedAt: expect.any(String),
      },
    ]);

    expect(await followState(slug, ada, 'DELETE')).toEqual({ following: false, followerCount: 1 });
    expect(await followState(slug, ada, 'DELETE')).toEqual({ following: false, followerCount: 1 });
    expect(await followState(slug, ada)).toEqual({ following: false, followerCount: 1 });

    // Following again is a new follow: a new event.
    expect(await followState(slug, ada, 'PUT')).toEqual({ following: true, followerCount: 2 });
    await eventually(async () =>
      expect((await followed()).filter((event) => event.followerId === ada.account.id)).toHaveLength(2),
    );
  });

  it('refuses to follow your own channel, anonymous callers and unknown channels', async () => {
    const { owner, slug } = await channel();
    await expectProblem(
      await app.request(`/api/v1/channels/${slug}/follow`, send('PUT', undefined, owner)),
      422,
      'self_follow',
    );
    expect(await followState(slug, owner)).toEqual({ following: false, followerCount: 0 });
    for (const method of ['PUT', 'DELETE', 'GET']) {
      await expectProblem(
        await app.request(`/api/v1/channels/${slug}/follow`, send(method)),
        401,
        'invalid_token',
      );
      await expectProblem(
        await app.request('/api/v1/channels/no-such-channel/follow', send(method, undefined, owner)),
        404,
        'not_found',
      );
    }
    await expectProblem(await app.request('/api/v1/me/following'), 401, 'invalid_token');
    await expectProblem(await app.request(`/api/v1/channels/${slug}/followers`), 401, 'invalid_token');
  });

  it('refuses suspended accounts', async () => {
    const { slug } = await channel();
    const ada = await viewer();
    await new UsersRepository(backends.database.db).setStatus(ada.account.id, 'suspended');
    await expectProblem(
      await app.request(`/api/v1/channels/${slug}/follow`, send('PUT', undefined, ada)),
      403,
      'account_suspended',
    );
  });

  it("lists a channel's followers newest first to its owner only, page by page", async () => {
    const { owner, slug } = await channel();
    const fans: SignedInUser[] = [];
    for (let i = 0; i < 5; i++) {
      const fan = await viewer();
      await followState(slug, fan, 'PUT');
      fans.push(fan);
    }
    const path = `/api/v1/channels/${slug}/followers`;
    const { items, pages } = await allPages<Follower>(path, owner, FollowerPageSchema, 2);
    expect(pages).toBe(3);
    expect(items.map((item) => item.user.id)).toEqual(fans.map((fan) => fan.account.id).reverse());
    expect(items[0]).toEqual({
      user: { id: fans[4]?.account.id, username: fans[4]?.account.username, displayName: null },
      followedAt: expect.any(String),
    });
    const times = items.map((item) => Date.parse(item.followedAt));
    expect([...times].sort((a, b) => b - a)).toEqual(times);

    await expectProblem(await app.request(path, send('GET', undefined, fans[0])), 403, 'forbidden');
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    await expectProblem(await app.request(path, send('GET', undefined, admin)), 403, 'forbidden');
    await expectProblem(
      await app.request(`${path}?cursor=not-a-cursor`, send('GET', undefined, owner)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${path}?limit=0`, send('GET', undefined, owner)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${path}?limit=101`, send('GET', undefined, owner)),
      422,
      'validation_failed',
    );
  });

  it('lists followed channels live first, then by most recent follow, page by page', async () => {
    const fan = await viewer();
    const channels = [];
    for (let i = 0; i < 5; i++) {
      const created = await channel();
      await followState(created.slug, fan, 'PUT');
      channels.push(created);
    }
    const [first, second, third, fourth, fifth] = channels as [
      (typeof channels)[number],
      (typeof channels)[number],
      (typeof channels)[number],
      (typeof channels)[number],
      (typeof channels)[number],
    ];
    const secondSession = await second.goLive();
    const fourthSession = await fourth.goLive();
    // A channel the fan does not follow stays out of the list, live or not.
    await (await channel()).goLive();

    const expected = [fourth, second, fifth, third, first].map((created) => created.slug);
    for (const limit of [1, 2, 3, 50]) {
      const { items } = await allPages<FollowedChannel>(
        '/api/v1/me/following',
        fan,
        FollowedChannelPageSchema,
        limit,
      );
      expect(
        items.map((item) => item.slug),
        `limit ${limit}`,
      ).toEqual(expected);
    }

    const page = await expectJson(
      await app.request('/api/v1/me/following?limit=3', send('GET', undefined, fan)),
      FollowedChannelPageSchema,
    );
    expect(page.items.map((item) => [item.live, item.session?.id ?? null])).toEqual([
      [true, fourthSession],
      [true, secondSession],
      [false, null],
    ]);
    expect(page.items[0]).toMatchObject({
      title: 'Streaming',
      category: 'other',
      owner: { username: fourth.owner.account.username, displayName: null },
      followedAt: expect.any(String),
    });

    // The public page names the current session, the key of its likes and comments.
    const publicPage = PublicChannelSchema.parse(
      await (await app.request(`/api/v1/channels/${second.slug}`)).json(),
    );
    expect(publicPage).toMatchObject({ live: true, followerCount: 1, session: { id: secondSession } });
    const directory = DirectoryPageSchema.parse(
      await (await app.request('/api/v1/channels?limit=100')).json(),
    );
    expect(directory.items.find((item) => item.slug === fourth.slug)?.followerCount).toBe(1);

    await expectProblem(
      await app.request('/api/v1/me/following?cursor=1.bogus', send('GET', undefined, fan)),
      422,
      'validation_failed',
    );
    const empty = await expectJson(
      await app.request('/api/v1/me/following', send('GET', undefined, await viewer())),
      FollowedChannelPageSchema,
    );
    expect(empty).toEqual({ items: [], nextCursor: null });
  });

  it("names a live channel's thumbnail only once its broadcast has one, so no card asks for a 404", async () => {
    const fan = await viewer();
    const [live, offline] = [await channel(), await channel()];
    await followState(live.slug, fan, 'PUT');
    await followState(offline.slug, fan, 'PUT');
    const sessionId = await live.goLive();
    const list = async () =>
      (
        await expectJson(
          await app.request('/api/v1/me/following', send('GET', undefined, fan)),
          FollowedChannelPageSchema,
        )
      ).items;

    // Its first seconds: live, but the media node has written no thumbnail yet, and asking answers 404.
    const [justLive, notLive] = await list();
    expect(justLive).toMatchObject({
      slug: live.slug,
      live: true,
      session: { id: sessionId },
      thumbnailUrl: null,
    });
    expect(notLive).toMatchObject({ slug: offline.slug, live: false, session: null, thumbnailUrl: null });
    const thumbnailPath = `/api/v1/channels/${live.slug}/thumbnail.jpg`;
    expect((await app.request(thumbnailPath)).status).toBe(404);

    // The media node writes the first one: the list names it, and it answers.
    const playbackId = justLive?.session?.playbackId ?? '';
    await new FilesystemMediaStorage({ dataDir: deps.config.dataDir }).write(
      mediaKeys.liveThumbnail(playbackId),
      new Uint8Array([0xff, 0xd8, 0xff, 0xd9]),
    );
    const [withThumbnail, stillOffline] = await list();
    expect(withThumbnail?.thumbnailUrl).toBe(`${PUBLIC_URL}${thumbnailPath}`);
    expect(stillOffline?.thumbnailUrl).toBeNull();
    expect((await app.request(thumbnailPath)).status).toBe(200);
  });
});
