import {
  ChannelSchema,
  CreatedStreamKeySchema,
  DirectoryPageSchema,
  PublicChannelSchema,
  StreamKeyListSchema,
  StreamKeySchema,
} from '@streamhub/contracts/channels';
import type { DomainEventPayload } from '@streamhub/contracts/events';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { liveSessions, streamKeys } from '@streamhub/db/schema/channels';
import { testDatabases } from '@streamhub/db/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { MANY_LOGINS_POLICY } from '../engagement/engagement-test-kit.ts';
import { UsersRepository } from '../users/users.repository.ts';

const PUBLIC_URL = 'https://streamhub.test';

const problem = async (response: Response, status: number, code: string) => {
  expect(response.status, await response.clone().text()).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const body = ProblemSchema.parse(await response.json());
  expect(body.code).toBe(code);
  return body;
};

const send = (method: string, body?: unknown, authorization?: string): RequestInit => ({
  method,
  headers: {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(authorization ? { Authorization: authorization } : {}),
  },
  ...(body === undefined ? {} : { body: JSON.stringify(body) }),
});

/** Polls until `check` passes or the deadline is reached (events are delivered asynchronously). */
async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

let slugCounter = 0;
const uniqueSlug = (base = 'chan') => `${base}-${++slugCounter}-${Math.random().toString(36).slice(2, 8)}`;

describe.each(testDatabases())('/api/v1/channels on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  const started: DomainEventPayload<'stream.started'>[] = [];
  const ended: DomainEventPayload<'stream.ended'>[] = [];
  const unsubscribe: (() => void)[] = [];

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    // Every test signs a new streamer in from one address: more than the default per-address login limit.
    deps = backends.deps({ PUBLIC_URL }, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
    unsubscribe.push(
      backends.events.subscribe('stream.started', (payload) => {
        started.push(payload);
      }),
      backends.events.subscribe('stream.ended', (payload) => {
        ended.push(payload);
      }),
    );
    await backends.events.ready();
  });
  afterAll(async () => {
    for (const stop of unsubscribe) stop();
    await backends.close();
  });

  const streamer = () => registerAndLogin(app, backends, { role: 'streamer' });

  const createChannel = async (user: SignedInUser, body: Record<string, unknown> = {}) => {
    const response = await app.request(
      '/api/v1/channels',
      send('POST', { slug: uniqueSlug(), title: 'A stream', ...body }, user.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    return ChannelSchema.parse(await response.json());
  };

  const createKey = async (user: SignedInUser, slug: string, name = 'OBS') => {
    const response = await app.request(
      `/api/v1/channels/${slug}/keys`,
      send('POST', { name }, user.authorization),
    );
    expect(response.status, await response.clone().text()).toBe(201);
    return CreatedStreamKeySchema.parse(await response.json());
  };

  /** A streamer with a channel (with `body`) and one key, ready to publish. */
  const readyToPublish = async (body: Record<string, unknown> = {}) => {
    const user = await streamer();
    const channel = await createChannel(user, body);
    const key = await createKey(user, channel.slug);
    return { user, channel, key };
  };

  it('documents every channel operation in the OpenAPI document', async () => {
    // Other domains (chat, follows) mount under /api/v1/channels/{slug}/… with tags of their own.
    expect(await operationIdsTagged(app, 'channels')).toEqual(
      [
        'createChannel',
        'createStreamKey',
        'cutBroadcast',
        'getChannel',
        'getIngestHealth',
        'getMyChannel',
        'listChannelBroadcasts',
        'listLiveChannels',
        'listStreamKeys',
        'revokeStreamKey',
        'rotateStreamKey',
        'searchChannels',
        'updateChannel',
      ].sort(),
    );
  });

  describe('channels', () => {
    it('creates one channel per streamer, with defaults, and shows it as mine', async () => {
      const ada = await streamer();
      const slug = uniqueSlug('ada');
      const channel = await createChannel(ada, { slug, title: '  Compilers  ', tags: ['rust'] });
      expect(channel).toMatchObject({
        slug,
        title: 'Compilers',
        category: 'other',
        tags: ['rust'],
        language: 'en',
        record: false,
      });

      const mine = await app.request('/api/v1/me/channel', send('GET', undefined, ada.authorization));
      expect(ChannelSchema.parse(await mine.json())).toEqual(channel);

      await problem(
        await app.request(
          '/api/v1/channels',
          send('POST', { slug: uniqueSlug(), title: 'Second' }, ada.authorization),
        ),
        409,
        'channel_exists',
      );
    });

    it('refuses a taken slug in any case', async () => {
      const first = await createChannel(await streamer());
      const other = await streamer();
      await problem(
        await app.request(
          '/api/v1/channels',
          send('POST', { slug: first.slug, title: 'Copy' }, other.authorization),
        ),
        409,
        'slug_taken',
      );
    });

    it('answers 401 without a token and 403 for viewers', async () => {
      await problem(
        await app.request('/api/v1/channels', send('POST', { slug: uniqueSlug(), title: 'x' })),
        401,
        'invalid_token',
      );
      const viewer = await registerAndLogin(app, backends);
      await problem(
        await app.request(
          '/api/v1/channels',
          send('POST', { slug: uniqueSlug(), title: 'x' }, viewer.authorization),
        ),
        403,
        'forbidden',
      );
      await problem(await app.request('/api/v1/me/channel'), 401, 'invalid_token');
      await problem(
        await app.request('/api/v1/me/channel', send('GET', undefined, viewer.authorization)),
        404,
        'not_found',
      );
    });

    it('validates the fields', async () => {
      const user = await streamer();
      const cases: [Record<string, unknown>, string][] = [
        [{ slug: 'AB', title: 'x' }, 'body.slug'],
        [{ slug: 'Upper-Case', title: 'x' }, 'body.slug'],
        [{ slug: 'a'.repeat(41), title: 'x' }, 'body.slug'],
        [{ slug: 'mine', title: 'x' }, 'body.slug'],
        [{ slug: uniqueSlug(), title: 'x'.repeat(141) }, 'body.title'],
        [{ slug: uniqueSlug(), title: 'x', category: 'cooking-shows' }, 'body.category'],
        [
          { slug: uniqueSlug(), title: 'x', tags: Array.from({ length: 11 }, (_, i) => `t${i}`) },
          'body.tags',
        ],
        [{ slug: uniqueSlug(), title: 'x', language: 'english!' }, 'body.language'],
        [{ slug: uniqueSlug(), title: 'x', owner: 'someone' }, 'body'],
      ];
      for (const [body, path] of cases) {
        const response = await app.request('/api/v1/channels', send('POST', body, user.authorization));
        const details = await problem(response, 422, 'validation_failed');
        expect(details.errors?.map((error) => error.path).join(',')).toContain(path);
      }
    });

    it('lets only the owner change a channel', async () => {
      const owner = await streamer();
      const channel = await createChannel(owner);
      const path = `/api/v1/channels/${channel.slug}`;
      const patched = await app.request(
        path,
        send('PATCH', { title: 'New title', category: 'music', record: true }, owner.authorization),
      );
      expect(ChannelSchema.parse(await patched.json())).toMatchObject({
        title: 'New title',
        category: 'music',
        record: true,
      });
      const other = await streamer();
      await problem(
        await app.request(path, send('PATCH', { title: 'Mine now' }, other.authorization)),
        403,
        'forbidden',
      );
      await problem(await app.request(path, send('PATCH', { title: 'x' })), 401, 'invalid_token');
      await problem(
        await app.request(path, send('PATCH', {}, owner.authorization)),
        422,
        'validation_failed',
      );
      await problem(
        await app.request(
          '/api/v1/channels/no-such-channel',
          send('PATCH', { title: 'x' }, owner.authorization),
        ),
        404,
        'not_found',
      );
    });

    it("lets the owner choose LL-HLS within the instance's LIVE_LL_HLS, and hands the choice to the media node", async () => {
      const owner = await streamer();
      const channel = await createChannel(owner);
      // LIVE_LL_HLS defaults to optional: classic HLS until the channel asks.
      expect(channel).toMatchObject({ lowLatency: null, lowLatencyEffective: false });
      const path = `/api/v1/channels/${channel.slug}`;
      const on = await app.request(path, send('PATCH', { lowLatency: true }, owner.authorization));
      expect(ChannelSchema.parse(await on.json())).toMatchObject({
        lowLatency: true,
        lowLatencyEffective: true,
      });
      const key = await createKey(owner, channel.slug);
      const decision = await deps.services.channels.authorizePublish(key.secret);
      expect(decision).toMatchObject({ ok: true, lowLatency: true });
      if (decision.ok) await deps.services.channels.endSession(decision.sessionId, { recorded: false });
      const back = await app.request(path, send('PATCH', { lowLatency: null }, owner.authorization));
      expect(ChannelSchema.parse(await back.json())).toMatchObject({
        lowLatency: null,
        lowLatencyEffective: false,
      });
      await problem(
        await app.request(path, send('PATCH', { lowLatency: 'yes' }, owner.authorization)),
        422,
        'validation_failed',
      );

      // Where the instance offers no LL-HLS, asking for it is refused rather than stored to do nothing.
      const offApp = createApp(backends.deps({ PUBLIC_URL, LIVE_LL_HLS: 'off' })).app;
      await problem(
        await offApp.request(path, send('PATCH', { lowLatency: true }, owner.authorization)),
        409,
        'low_latency_unavailable',
      );
      const optOut = await offApp.request(path, send('PATCH', { lowLatency: false }, owner.authorization));
      expect(ChannelSchema.parse(await optOut.json())).toMatchObject({
        lowLatency: false,
        lowLatencyEffective: false,
      });
      const onApp = createApp(backends.deps({ PUBLIC_URL, LIVE_LL_HLS: 'on' })).app;
      const mine = await onApp.request('/api/v1/me/channel', send('GET', undefined, owner.authorization));
      // Opted out stays out on an instance where LL-HLS is the default.
      expect(ChannelSchema.parse(await mine.json())).toMatchObject({
        lowLatency: false,
        lowLatencyEffective: false,
      });
    });

    it('shows the public page offline, without private fields, and 404 for unknown slugs', async () => {
      const owner = await streamer();
      const channel = await createChannel(owner, { category: 'software' });
      const response = await app.request(`/api/v1/channels/${channel.slug.toUpperCase()}`);
      const text = await response.text();
      const page = PublicChannelSchema.strict().parse(JSON.parse(text));
      expect(page).toMatchObject({
        slug: channel.slug,
        live: false,
        session: null,
        owner: { username: owner.account.username },
        thumbnailUrl: `${PUBLIC_URL}/api/v1/channels/${channel.slug}/thumbnail.jpg`,
      });
      expect(text).not.toContain(owner.account.id);
      await problem(await app.request('/api/v1/channels/nothing-here'), 404, 'not_found');
    });
  });

  describe('stream keys', () => {
    it('shows the secret once, lists keys masked, rotates and revokes', async () => {
      const { user, channel, key } = await readyToPublish();
      expect(key.secret).toMatch(/^sk_live_[A-Za-z0-9_-]{43}$/);
      expect(key.masked).toBe(`${key.secret.slice(0, 14)}…`);

      const listPath = `/api/v1/channels/${channel.slug}/keys`;
      const listed = await app.request(listPath, send('GET', undefined, user.authorization));
      const text = await listed.text();
      expect(StreamKeyListSchema.strict().parse(JSON.parse(text)).items).toEqual([
        {
          id: key.id,
          name: 'OBS',
          masked: key.masked,
          createdAt: key.createdAt,
          lastUsedAt: null,
          revokedAt: null,
        },
      ]);
      expect(text).not.toContain(key.secret);
      expect(text).not.toContain('secret');

      // Only the hash is stored.
      const [stored] = await backends.database.db.select().from(streamKeys).where(eq(streamKeys.id, key.id));
      expect(JSON.stringify(stored)).not.toContain(key.secret);

      const rotated = await app.request(
        `${listPath}/${key.id}/rotate`,
        send('POST', undefined, user.authorization),
      );
      expect(rotated.status).toBe(201);
      const replacement = CreatedStreamKeySchema.parse(await rotated.json());
      expect(replacement.secret).not.toBe(key.secret);
      expect(replacement.name).toBe('OBS');
      expect(await deps.services.channels.authorizePublish(key.secret)).toEqual({
        ok: false,
        reason: 'revoked_key',
      });
      // A revoked key cannot be rotated again.
      await problem(
        await app.request(`${listPath}/${key.id}/rotate`, send('POST', undefined, user.authorization)),
        409,
        'conflict',
      );

      const revoked = await app.request(
        `${listPath}/${replacement.id}`,
        send('DELETE', undefined, user.authorization),
      );
      expect(StreamKeySchema.parse(await revoked.json()).revokedAt).not.toBeNull();
      expect(await deps.services.channels.authorizePublish(replacement.secret)).toEqual({
        ok: false,
        reason: 'revoked_key',
      });
      const after = StreamKeyListSchema.parse(
        await (await app.request(listPath, send('GET', undefined, user.authorization))).json(),
      );
      expect(after.items.map((item) => item.revokedAt !== null)).toEqual([true, true]);
    });

    it('answers the 4xx cases', async () => {
      const { user, channel, key } = await readyToPublish();
      const other = await streamer();
      const base = `/api/v1/channels/${channel.slug}/keys`;
      await problem(await app.request(base, send('POST', { name: 'x' })), 401, 'invalid_token');
      await problem(
        await app.request(base, send('POST', { name: 'x' }, other.authorization)),
        403,
        'forbidden',
      );
      await problem(await app.request(base, send('GET', undefined, other.authorization)), 403, 'forbidden');
      await problem(
        await app.request(`${base}/${key.id}/rotate`, send('POST', undefined, other.authorization)),
        403,
        'forbidden',
      );
      await problem(
        await app.request(`${base}/${key.id}`, send('DELETE', undefined, other.authorization)),
        403,
        'forbidden',
      );
      await problem(
        await app.request(base, send('POST', { name: '' }, user.authorization)),
        422,
        'validation_failed',
      );
      await problem(
        await app.request(`${base}/not-a-uuid`, send('DELETE', undefined, user.authorization)),
        422,
        'validation_failed',
      );
      await problem(
        await app.request(`${base}/${crypto.randomUUID()}`, send('DELETE', undefined, user.authorization)),
        404,
        'not_found',
      );
      await problem(
        await app.request(
          `${base}/${crypto.randomUUID()}/rotate`,
          send('POST', undefined, user.authorization),
        ),
        404,
        'not_found',
      );
      await problem(
        await app.request(
          '/api/v1/channels/no-such-channel/keys',
          send('GET', undefined, user.authorization),
        ),
        404,
        'not_found',
      );
    });
  });

  describe('publishing', () => {
    it('opens a session with a new playback id, emits stream.started and shows the channel live', async () => {
      const { channel, key } = await readyToPublish({ record: true });
      const decision = await deps.services.channels.authorizePublish(key.secret);
      if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
      expect(decision).toMatchObject({ channelId: channel.id, record: true });
      expect(decision.playbackId).toMatch(/^[A-Za-z0-9_-]{16}$/);
      await eventually(() =>
        expect(started).toContainEqual(
          expect.objectContaining({
            sessionId: decision.sessionId,
            channelId: channel.id,
            playbackId: decision.playbackId,
            slug: channel.slug,
          }),
        ),
      );

      expect(
        await deps.services.channels.recordIngest(decision.sessionId, {
          videoCodec: 'h264',
          width: 1280,
          height: 720,
          fps: 30,
          bitrate: 3_000_000,
        }),
      ).toBe(true);
      const page = PublicChannelSchema.parse(
        await (await app.request(`/api/v1/channels/${channel.slug}`)).json(),
      );
      expect(page.live).toBe(true);
      expect(page.session).toMatchObject({
        playbackId: decision.playbackId,
        playbackUrl: `${PUBLIC_URL}/hls/${decision.playbackId}/master.m3u8`,
        ingest: { videoCodec: 'h264', width: 1280, height: 720 },
      });

      // The key is stamped as used, and the secret never reached the playback URL.
      const [stored] = await backends.database.db.select().from(streamKeys).where(eq(streamKeys.id, key.id));
      expect(stored?.lastUsedAt).not.toBeNull();
      expect(page.session?.playbackUrl).not.toContain(key.secret);

      // A channel already live refuses a second publish, even with another of its keys, and names the
      // session in the way with its media node (none here), so a node can take over a dead one's.
      expect(await deps.services.channels.authorizePublish(key.secret)).toEqual({
        ok: false,
        reason: 'already_live',
        holder: {
          sessionId: decision.sessionId,
          playbackId: decision.playbackId,
          record: true,
          nodeId: null,
        },
      });

      expect(await deps.services.channels.endSession(decision.sessionId, { recorded: true })).toBe(true);
      await eventually(() =>
        expect(ended).toContainEqual(
          expect.objectContaining({
            sessionId: decision.sessionId,
            playbackId: decision.playbackId,
            recorded: true,
          }),
        ),
      );
      const offline = PublicChannelSchema.parse(
        await (await app.request(`/api/v1/channels/${channel.slug}`)).json(),
      );
      expect(offline).toMatchObject({ live: false, session: null });
      // Ending twice is harmless and emits nothing more.
      expect(await deps.services.channels.endSession(decision.sessionId, { recorded: true })).toBe(false);
      expect(ended.filter((event) => event.sessionId === decision.sessionId)).toHaveLength(1);

      // The next broadcast gets a new playback id.
      const again = await deps.services.channels.authorizePublish(key.secret);
      if (!again.ok) throw new Error(`refused: ${again.reason}`);
      expect(again.playbackId).not.toBe(decision.playbackId);
      expect(again.sessionId).not.toBe(decision.sessionId);
      await deps.services.channels.endSession(again.sessionId, { recorded: false });
    });

    it('refuses unknown keys and suspended owners, opening no session', async () => {
      expect(await deps.services.channels.authorizePublish('sk_live_nope')).toEqual({
        ok: false,
        reason: 'unknown_key',
      });
      const { user, channel, key } = await readyToPublish();
      await new UsersRepository(backends.database.db).setStatus(user.account.id, 'suspended');
      expect(await deps.services.channels.authorizePublish(key.secret)).toEqual({
        ok: false,
        reason: 'suspended_owner',
      });
      const sessions = await backends.database.db
        .select()
        .from(liveSessions)
        .where(eq(liveSessions.channelId, channel.id));
      expect(sessions).toEqual([]);
      expect(await deps.services.channels.recordIngest(crypto.randomUUID(), {})).toBe(false);
      expect(await deps.services.channels.endSession('not-a-uuid', { recorded: false })).toBe(false);
    });

    it('lets exactly one of two racing publishes win', async () => {
      const { user, channel, key } = await readyToPublish();
      const second = await createKey(user, channel.slug, 'backup');
      const decisions = await Promise.all([
        deps.services.channels.authorizePublish(key.secret),
        deps.services.channels.authorizePublish(second.secret),
      ]);
      expect(decisions.filter((decision) => decision.ok)).toHaveLength(1);
      expect(decisions.filter((decision) => !decision.ok)).toMatchObject([
        { ok: false, reason: 'already_live' },
      ]);
      for (const decision of decisions)
        if (decision.ok) await deps.services.channels.endSession(decision.sessionId, { recorded: false });
    });
  });

  describe('what the media node needs of a session', () => {
    const keyRevoked: DomainEventPayload<'stream.key_revoked'>[] = [];
    beforeAll(async () => {
      unsubscribe.push(
        backends.events.subscribe('stream.key_revoked', (payload) => {
          keyRevoked.push(payload);
        }),
      );
      await backends.events.ready();
    });

    it('remembers the node and key of a session, lists what a node holds, and stores the final bitrate', async () => {
      const { channel, key } = await readyToPublish({ record: true });
      const nodeId = `node-${crypto.randomUUID()}`;
      const decision = await deps.services.channels.authorizePublish(key.secret, { nodeId });
      if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
      const [row] = await backends.database.db
        .select()
        .from(liveSessions)
        .where(eq(liveSessions.id, decision.sessionId));
      expect(row).toMatchObject({ nodeId, streamKeyId: key.id, channelId: channel.id });
      expect(await deps.services.channels.heldSessions(nodeId)).toEqual([
        { sessionId: decision.sessionId, playbackId: decision.playbackId, record: true },
      ]);
      expect(await deps.services.channels.heldSessions('another-node')).not.toContainEqual(
        expect.objectContaining({ sessionId: decision.sessionId }),
      );

      // Codecs first, the running bitrate later: merged, not replaced.
      await deps.services.channels.recordIngest(decision.sessionId, { videoCodec: 'h264', width: 1280 });
      await deps.services.channels.recordIngest(decision.sessionId, { bitrate: 2_500_000 });
      const live = PublicChannelSchema.parse(
        await (await app.request(`/api/v1/channels/${channel.slug}`)).json(),
      );
      expect(live.session?.ingest).toEqual({ videoCodec: 'h264', width: 1280, bitrate: 2_500_000 });

      expect(
        await deps.services.channels.endSession(decision.sessionId, { recorded: false, bitrate: 2_400_000 }),
      ).toBe(true);
      expect(await deps.services.channels.heldSessions(nodeId)).toEqual([]);
      // A late running figure does not overwrite the whole session's average.
      expect(await deps.services.channels.recordIngest(decision.sessionId, { bitrate: 1 })).toBe(false);
      const [ended] = await backends.database.db
        .select()
        .from(liveSessions)
        .where(eq(liveSessions.id, decision.sessionId));
      expect(ended?.ingest).toEqual({ videoCodec: 'h264', width: 1280, bitrate: 2_400_000 });
    });

    it('tells live, recorded and ended playback ids apart, and omits unknown ones', async () => {
      const ids: Record<string, string> = {};
      for (const state of ['live', 'recorded', 'ended'] as const) {
        const { key } = await readyToPublish();
        const decision = await deps.services.channels.authorizePublish(key.secret);
        if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
        ids[state] = decision.playbackId;
        if (state !== 'live') {
          await deps.services.channels.endSession(decision.sessionId, { recorded: state === 'recorded' });
        }
      }
      const states = await deps.services.channels.playbackStates([
        ids.live ?? '',
        ids.recorded ?? '',
        ids.ended ?? '',
        'neverIssued12345',
      ]);
      expect(Object.fromEntries(states)).toEqual({
        [ids.live ?? '']: 'live',
        [ids.recorded ?? '']: 'recorded',
        [ids.ended ?? '']: 'ended',
      });
      expect(await deps.services.channels.playbackStates([])).toEqual(new Map());
    });

    it('emits stream.key_revoked once per revocation and on rotation', async () => {
      const { user, channel, key } = await readyToPublish();
      const revoke = () =>
        app.request(
          `/api/v1/channels/${channel.slug}/keys/${key.id}`,
          send('DELETE', undefined, user.authorization),
        );
      expect((await revoke()).status).toBe(200);
      expect((await revoke()).status).toBe(200);
      const other = await createKey(user, channel.slug, 'backup');
      const rotated = await app.request(
        `/api/v1/channels/${channel.slug}/keys/${other.id}/rotate`,
        send('POST', undefined, user.authorization),
      );
      expect(rotated.status).toBe(201);
      await eventually(() =>
        expect(keyRevoked.filter((event) => event.channelId === channel.id)).toEqual([
          expect.objectContaining({ keyId: key.id, reason: 'revoked' }),
          expect.objectContaining({ keyId: other.id, reason: 'rotated' }),
        ]),
      );
    });

    it('asks for the termination of a broadcast whose owner is suspended or whose key is revoked', async () => {
      const requests: { sessionId: string; reason: string }[] = [];
      const stop = await deps.services.channels.watchTerminations(async (request) => {
        requests.push(request);
      });
      try {
        const admin = await registerAndLogin(app, backends, { role: 'admin' });
        // Suspension: the owner's live session.
        const suspended = await readyToPublish();
        const first = await deps.services.channels.authorizePublish(suspended.key.secret);
        if (!first.ok) throw new Error(`refused: ${first.reason}`);
        const response = await app.request(
          `/api/v1/users/${suspended.user.account.id}/suspend`,
          send('POST', undefined, admin.authorization),
        );
        expect(response.status).toBe(200);
        await eventually(() =>
          expect(requests).toContainEqual({ sessionId: first.sessionId, reason: 'owner_suspended' }),
        );

        // Revocation: only the key the broadcast was accepted with cuts it.
        const { user, channel, key } = await readyToPublish();
        const spare = await createKey(user, channel.slug, 'spare');
        const second = await deps.services.channels.authorizePublish(key.secret);
        if (!second.ok) throw new Error(`refused: ${second.reason}`);
        await app.request(
          `/api/v1/channels/${channel.slug}/keys/${spare.id}`,
          send('DELETE', undefined, user.authorization),
        );
        await app.request(
          `/api/v1/channels/${channel.slug}/keys/${key.id}/rotate`,
          send('POST', undefined, user.authorization),
        );
        await eventually(() =>
          expect(requests).toContainEqual({ sessionId: second.sessionId, reason: 'key_revoked' }),
        );
        expect(requests.filter((r) => r.sessionId === second.sessionId)).toHaveLength(1);

        // The watcher only asks; ending is the node's job.
        for (const id of [first.sessionId, second.sessionId]) {
          expect(await deps.services.channels.endSession(id, { recorded: false })).toBe(true);
        }
      } finally {
        stop();
      }
    });
  });

  describe('directory', () => {
    it('lists live channels only, paginates without duplicates and filters by category', async () => {
      // Own category for this test's channels, so other tests' broadcasts do not interfere.
      const liveSlugs: string[] = [];
      const sessionIds: string[] = [];
      for (let i = 0; i < 5; i++) {
        const { channel, key } = await readyToPublish({ category: 'education' });
        const decision = await deps.services.channels.authorizePublish(key.secret);
        if (!decision.ok) throw new Error(`refused: ${decision.reason}`);
        liveSlugs.push(channel.slug);
        sessionIds.push(decision.sessionId);
      }
      const offline = await readyToPublish({ category: 'education' });
      const ended = await readyToPublish({ category: 'education' });
      const endedDecision = await deps.services.channels.authorizePublish(ended.key.secret);
      if (!endedDecision.ok) throw new Error('refused');
      await deps.services.channels.endSession(endedDecision.sessionId, { recorded: false });
      const otherCategory = await readyToPublish({ category: 'sports' });
      const sportsDecision = await deps.services.channels.authorizePublish(otherCategory.key.secret);
      if (!sportsDecision.ok) throw new Error('refused');

      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/api/v1/channels?category=education&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const page = DirectoryPageSchema.parse(await (await app.request(query)).json());
        expect(page.items.length).toBeLessThanOrEqual(2);
        for (const item of page.items) {
          expect(item.live).toBe(true);
          expect(item.category).toBe('education');
        }
        seen.push(...page.items.map((item) => item.slug));
        cursor = page.nextCursor;
      } while (cursor);
      expect(seen).toEqual(liveSlugs);
      expect(seen).not.toContain(offline.channel.slug);
      expect(seen).not.toContain(ended.channel.slug);

      const all = DirectoryPageSchema.parse(await (await app.request('/api/v1/channels?limit=100')).json());
      expect(all.items.map((item) => item.slug)).toContain(otherCategory.channel.slug);

      await problem(await app.request('/api/v1/channels?cursor=bogus'), 422, 'validation_failed');
      await problem(await app.request('/api/v1/channels?category=cooking'), 422, 'validation_failed');
      await problem(await app.request('/api/v1/channels?limit=0'), 422, 'validation_failed');

      for (const id of [...sessionIds, sportsDecision.sessionId]) {
        await deps.services.channels.endSession(id, { recorded: false });
      }
    });
  });
});
