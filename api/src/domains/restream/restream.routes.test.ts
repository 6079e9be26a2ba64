/**
 * Restream destinations over HTTP on PGlite and PostgreSQL: owner-only CRUD with problem+json errors,
 * the limit, keys sealed at rest and never returned, and the media node's side of the service
 * (the enabled destinations of a live session with their keys, reported states in the owner's list).
 */
import { ChannelSchema, CreatedStreamKeySchema } from '@streamhub/contracts/channels';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { RestreamDestinationListSchema, RestreamDestinationSchema } from '@streamhub/contracts/restream';
import { restreamDestinations } from '@streamhub/db/schema/restream';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { KeySeal } from './key-seal.ts';

const SECRET = 'a restream secret of at least thirty-two characters';
const YT_KEY = 'abcd-efgh-ijkl-mnop';

const problem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  expect(ProblemSchema.parse(await response.json()).code).toBe(code);
};

const send = (method: string, body: unknown, authorization: string): RequestInit => ({
  method,
  headers: { 'Content-Type': 'application/json', Authorization: authorization },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

let slugCounter = 0;
const uniqueSlug = () => `rs-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

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
    const user = await registerAndLogin(on, backends, { role: 'streamer' });
    const response = await on.request(
      '/api/v1/channels',
      send('POST', { slug: uniqueSlug(), title: 'Simulcast' }, user.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    return { user, channel: ChannelSchema.parse(await response.json()) };
  };
  const path = (slug: string, id?: string) =>
    `/api/v1/channels/${slug}/restream/destinations${id ? `/${id}` : ''}`;
  const create = async (user: SignedInUser, slug: string, body: Record<string, unknown>) => {
    const response = await app.request(path(slug), send('POST', body, user.authorization));
    expect(response.status, await response.clone().text()).toBe(201);
    return RestreamDestinationSchema.parse(await response.json());
  };
  const list = async (user: SignedInUser, slug: string) => {
    const response = await app.request(path(slug), send('GET', undefined, user.authorization));
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
    const keyResponse = await app.request(
      `/api/v1/channels/${channel.slug}/keys`,
      send('POST', { name: 'OBS' }, user.authorization),
    );
    const streamKey = CreatedStreamKeySchema.parse(await keyResponse.json());
    const decision = await deps.services.channels.authorizePublish(streamKey.secret);
    if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
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
    const otherKey = CreatedStreamKeySchema.parse(
      await (
        await app.request(
          `/api/v1/channels/${other.channel.slug}/keys`,
          send('POST', { name: 'OBS' }, other.user.authorization),
        )
      ).json(),
    );
    const otherDecision = await deps.services.channels.authorizePublish(otherKey.secret);
    if (!otherDecision.ok) throw new Error('refused');
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
    await problem(
      await app.request(
        path(channel.slug),
        send('POST', { name: 'C', url: 'rtmp://c.example/live', streamKey: 'k3' }, user.authorization),
      ),
      409,
      'restream_limit_reached',
    );
    const patched = await app.request(
      path(channel.slug, first.id),
      send('PATCH', { name: 'A2', streamKey: 'new-key-9876', enabled: false }, user.authorization),
    );
    expect(patched.status, await patched.clone().text()).toBe(200);
    expect(RestreamDestinationSchema.parse(await patched.json())).toMatchObject({
      name: 'A2',
      keyHint: '…9876',
      enabled: false,
    });
    const removed = await app.request(
      path(channel.slug, first.id),
      send('DELETE', undefined, user.authorization),
    );
    expect(removed.status).toBe(204);
    expect((await list(user, channel.slug)).items.map((d) => d.name)).toEqual(['B']);
    await problem(
      await app.request(path(channel.slug, first.id), send('DELETE', undefined, user.authorization)),
      404,
      'not_found',
    );
    await problem(
      await app.request(path(channel.slug, first.id), send('PATCH', { name: 'x' }, user.authorization)),
      404,
      'not_found',
    );
  });

  it('answers others and bad input with problem+json', async () => {
    const { user, channel } = await streamerWithChannel();
    const stranger = await registerAndLogin(app, backends);
    await problem(
      await app.request(path(channel.slug), send('GET', undefined, stranger.authorization)),
      403,
      'forbidden',
    );
    await problem(
      await app.request(
        path(channel.slug),
        send('POST', { name: 'X', url: 'rtmp://x.example/live', streamKey: 'k' }, stranger.authorization),
      ),
      403,
      'forbidden',
    );
    await problem(
      await app.request(path('no-such-channel-here'), send('GET', undefined, user.authorization)),
      404,
      'not_found',
    );
    await problem(await app.request(path(channel.slug), { method: 'GET' }), 401, 'invalid_token');
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
      await problem(
        await app.request(path(channel.slug), send('POST', body, user.authorization)),
        422,
        'validation_failed',
      );
    }
    await problem(
      await app.request(`${path(channel.slug)}/not-a-uuid`, send('PATCH', { name: 'x' }, user.authorization)),
      422,
      'validation_failed',
    );
  });

  it('without RESTREAM_SECRET: lists, but refuses new destinations and gives the media node none', async () => {
    const unconfigured = createApp(backends.deps({})).app;
    const { user, channel } = await streamerWithChannel(unconfigured);
    await problem(
      await unconfigured.request(
        path(channel.slug),
        send('POST', { name: 'X', url: 'rtmp://x.example/live', streamKey: 'k' }, user.authorization),
      ),
      503,
      'restream_not_configured',
    );
    const response = await unconfigured.request(
      path(channel.slug),
      send('GET', undefined, user.authorization),
    );
    expect(response.status).toBe(200);
  });
});
