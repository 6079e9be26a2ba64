/**
 * Restream destinations over HTTP on PGlite and PostgreSQL: owner-only CRUD with problem+json errors,
 * the limit, keys sealed at rest and never returned, and the media node's side of the service
 * (the enabled destinations of a live session with their keys, reported states in the owner's list).
 */
import { RestreamDestinationListSchema, RestreamDestinationSchema } from '@streamhub/contracts/restream';
import { restreamDestinations } from '@streamhub/db/schema/restream';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import {
  expectProblem,
  goLive,
  streamerWithChannel as openChannel,
  sendJson,
} from '../../testing/channel-test-kit.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { KeySeal } from './key-seal.ts';

const SECRET = 'a restream secret of at least thirty-two characters';
const YT_KEY = 'abcd-efgh-ijkl-mnop';

describe.each(testDatabases())('/api/v1/channels/{slug}/restream on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({ RESTREAM_SECRET: SECRET, RESTREAM_MAX_DESTINATIONS: '2' });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const streamerWithChannel = async (on: GatewayApp = app) => {
    const { owner, channel } = await openChannel(
      { app: on, backends, slugPrefix: 'rs' },
      { title: 'Simulcast' },
    );
    return { user: owner, channel };
  };
  const path = (slug: string, id?: string) =>
    `/api/v1/channels/${slug}/restream/destinations${id ? `/${id}` : ''}`;
  const create = async (user: SignedInUser, slug: string, body: Record<string, unknown>) => {
    const response = await app.request(path(slug), sendJson('POST', body, user.authorization));
    expect(response.status, await response.clone().text()).toBe(201);
    return RestreamDestinationSchema.parse(await response.json());
  };
  const list = async (user: SignedInUser, slug: string) => {
    const response = await app.request(path(slug), sendJson('GET', undefined, user.authorization));
    expect(response.status, await response.clone().text()).toBe(200);
    return RestreamDestinationListSchema.parse(await response.json());
  };

  it('documents every restream operation in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'restream')).toEqual(
      [
        'createRestreamDestination',
        'deleteRestreamDestination',
        'listRestreamDestinations',
        'updateRestreamDestination',
      ].sort(),
    );
  });

  it('keeps the key sealed, never returns it, and hands it to the media node for a live session', async () => {
    const { user, channel } = await streamerWithChannel();
    const created = await create(user, channel.slug, {
      name: 'YouTube',
      url: 'rtmps://a.rtmp.youtube.com/live2/',
      streamKey: YT_KEY,
    });
    expect(created).toMatchObject({
      name: 'YouTube',
      url: 'rtmps://a.rtmp.youtube.com/live2',
      keyHint: '…mnop',
    });
    expect(created).toMatchObject({ enabled: true, state: 'offline', stateReason: null });
    const listed = await list(user, channel.slug);
    expect(listed.max).toBe(2);
    expect(JSON.stringify(listed)).not.toContain(YT_KEY);
    // At rest: sealed, and only under this secret and this row.
    const [row] = await backends.database.db
      .select()
      .from(restreamDestinations)
      .where(eq(restreamDestinations.id, created.id));
    expect(row?.keySealed).not.toContain(YT_KEY);
    expect(new KeySeal(SECRET).open(row?.keySealed ?? '', created.id)).toBe(YT_KEY);
    expect(() => new KeySeal(`${SECRET}!`).open(row?.keySealed ?? '', created.id)).toThrow();
    expect(() => new KeySeal(SECRET).open(row?.keySealed ?? '', crypto.randomUUID())).toThrow();

    // Live: the media node gets the enabled destinations with the key, and reports states.
    const decision = await goLive({ app, deps }, user, channel.slug);
    const disabled = await create(user, channel.slug, {
      name: 'Twitch',
      url: 'rtmp://live.twitch.tv/app',
      streamKey: 'live_123',
      enabled: false,
    });
    expect(await deps.services.restream.destinationsFor(decision.sessionId)).toEqual([
      { id: created.id, url: `rtmps://a.rtmp.youtube.com/live2/${YT_KEY}`, secret: YT_KEY },
    ]);
    await deps.services.restream.reportStatus({
      sessionId: decision.sessionId,
      destinationId: created.id,
      state: 'failed',
      reason: 'Connection refused',
    });
    const afterFailure = await list(user, channel.slug);
    expect(afterFailure.items.find((d) => d.id === created.id)).toMatchObject({
      state: 'failed',
      stateReason: 'Connection refused',
    });
    expect(afterFailure.items.find((d) => d.id === created.id)?.stateAt).not.toBeNull();
    await deps.services.restream.reportStatus({
      sessionId: decision.sessionId,
      destinationId: created.id,
      state: 'live',
    });
    expect((await list(user, channel.slug)).items.find((d) => d.id === created.id)).toMatchObject({
      state: 'live',
      stateReason: null,
    });

    // A session of another channel cannot write this channel's destinations.
    const other = await streamerWithChannel();
    const otherDecision = await goLive({ app, deps }, other.user, other.channel.slug);
    await deps.services.restream.reportStatus({
      sessionId: otherDecision.sessionId,
      destinationId: disabled.id,
      state: 'failed',
      reason: 'nope',
    });
    expect((await list(user, channel.slug)).items.find((d) => d.id === disabled.id)?.state).toBe('offline');
  });

  it('updates, re-keys and removes a destination; enforces the limit', async () => {
    const { user, channel } = await streamerWithChannel();
    const first = await create(user, channel.slug, {
      name: 'A',
      url: 'rtmp://a.example/live',
      streamKey: 'k1',
    });
    await create(user, channel.slug, { name: 'B', url: 'rtmp://b.example/live', streamKey: 'k2' });
    await expectProblem(
      await app.request(
        path(channel.slug),
        sendJson('POST', { name: 'C', url: 'rtmp://c.example/live', streamKey: 'k3' }, user.authorization),
      ),
      409,
      'restream_limit_reached',
    );
    const patched = await app.request(
      path(channel.slug, first.id),
      sendJson('PATCH', { name: 'A2', streamKey: 'new-key-9876', enabled: false }, user.authorization),
    );
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(RestreamDestinationSchema.parse(await patched.json())).toMatchObject({
      name: 'A2',
      keyHint: '…9876',
      enabled: false,
    });
    const removed = await app.request(
      path(channel.slug, first.id),
      sendJson('DELETE', undefined, user.authorization),
    );
    expect(removed.status).toBe(204);
    expect((await list(user, channel.slug)).items.map((d) => d.name)).toEqual(['B']);
    await expectProblem(
      await app.request(path(channel.slug, first.id), sendJson('DELETE', undefined, user.authorization)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(path(channel.slug, first.id), sendJson('PATCH', { name: 'x' }, user.authorization)),
      404,
      'not_found',
    );
  });

  it('answers others and bad input with problem+json', async () => {
    const { user, channel } = await streamerWithChannel();
    const stranger = await registerAndLogin(app, backends);
    await expectProblem(
      await app.request(path(channel.slug), sendJson('GET', undefined, stranger.authorization)),
      403,
      'forbidden',
    );
    await expectProblem(
      await app.request(
        path(channel.slug),
        sendJson('POST', { name: 'X', url: 'rtmp://x.example/live', streamKey: 'k' }, stranger.authorization),
      ),
      403,
      'forbidden',
    );
    await expectProblem(
      await app.request(path('no-such-channel-here'), sendJson('GET', undefined, user.authorization)),
      404,
      'not_found',
    );
    await expectProblem(await app.request(path(channel.slug), { method: 'GET' }), 401, 'invalid_token');
    for (const body of [
      { name: 'X', url: 'https://x.example/live', streamKey: 'k' },
      { name: 'X', url: 'rtmp://user:pw@x.example/live', streamKey: 'k' },
      { name: 'X', url: 'rtmp://x.example/live?key=1', streamKey: 'k' },
      { name: 'X', url: 'rtmp://x.example/live', streamKey: 'has space' },
      { name: 'X', url: 'rtmp://x.example/live', streamKey: 'a/b' },
      { name: 'X', url: 'rtmp://x.example/live', streamKey: 'nul\u0000' },
      { name: '', url: 'rtmp://x.example/live', streamKey: 'k' },
      { name: 'X', url: 'rtmp://x.example/live', streamKey: 'k', extra: 1 },
    ]) {
      await expectProblem(
        await app.request(path(channel.slug), sendJson('POST', body, user.authorization)),
        422,
        'validation_failed',
      );
    }
    await expectProblem(
      await app.request(
        `${path(channel.slug)}/not-a-uuid`,
        sendJson('PATCH', { name: 'x' }, user.authorization),
      ),
      422,
      'validation_failed',
    );
  });

  it('without RESTREAM_SECRET: lists, but refuses new destinations and gives the media node none', async () => {
    const unconfigured = createApp(backends.deps({})).app;
    const { user, channel } = await streamerWithChannel(unconfigured);
    await expectProblem(
      await unconfigured.request(
        path(channel.slug),
        sendJson('POST', { name: 'X', url: 'rtmp://x.example/live', streamKey: 'k' }, user.authorization),
      ),
      503,
      'restream_not_configured',
    );
    const response = await unconfigured.request(
      path(channel.slug),
      sendJson('GET', undefined, user.authorization),
    );
    expect(response.status).toBe(200);
  });
});
