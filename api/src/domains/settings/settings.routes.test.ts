/**
 * `/api/v1/admin/settings` on PGlite and PostgreSQL: who may read and change the instance settings, how
 * bad input is refused, that a change is audited (the outbox and the history an admin lists) and applies to the rules that read it
 * (who may open a channel, get a stream key or replace one's secret, clip and restream limits, upload sizes), and that a
 * change made through one gateway is seen at once by a second one sharing the database and the bus.
 */
import { CreatedStreamKeySchema, StreamKeyListSchema } from '@streamhub/contracts/channels';
import { DOMAIN_EVENTS, type DomainEvents } from '@streamhub/contracts/events';
import { ProblemSchema } from '@streamhub/contracts/problem';
import { InstanceSettingsViewSchema, SettingsHistoryPageSchema } from '@streamhub/contracts/settings';
import { users } from '@streamhub/db/schema/users';
import { testDatabases } from '@streamhub/db/testing';
import { createEventBus } from '@streamhub/infra/event-bus/factory';
import type { EventBus } from '@streamhub/infra/event-bus/port';
import { createMediaStorage } from '@streamhub/infra/media-storage/factory';
import { randomTestPrefix, TEST_REDIS_URL } from '@streamhub/infra/redis/testing';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { operationIdsTagged } from '../../testing/openapi.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { storedEvents } from '../../testing/test-outbox.ts';
import { settingsModule } from './settings.module.ts';

const SETTINGS = '/api/v1/admin/settings';
const ENV = { RATE_LIMIT_MAX: '100000', CHANNEL_CREATION: 'streamers', CLIPS_PER_USER_PER_HOUR: '10' };

const send = (method: string, authorization: string | undefined, body?: unknown): RequestInit => ({
  method,
  headers: {
    ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    ...(authorization ? { Authorization: authorization } : {}),
  },
  ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
});

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status, await response.clone().text()).toBe(status);
  const problem = ProblemSchema.parse(await response.json());
  expect(problem.code).toBe(code);
  return problem;
}

async function settingsOf(app: GatewayApp, admin: SignedInUser) {
  const response = await app.request(SETTINGS, send('GET', admin.authorization));
  expect(response.status, await response.clone().text()).toBe(200);
  return InstanceSettingsViewSchema.parse(await response.json());
}

async function patch(app: GatewayApp, admin: SignedInUser, body: unknown) {
  const response = await app.request(SETTINGS, send('PATCH', admin.authorization, body));
  expect(response.status, await response.clone().text()).toBe(200);
  return InstanceSettingsViewSchema.parse(await response.json());
}

let slugs = 0;
const openChannel = (app: GatewayApp, user: SignedInUser) => {
  const slug = `set-${++slugs}-${Math.random().toString(36).slice(2, 7)}`;
  return app.request('/api/v1/channels', send('POST', user.authorization, { slug, title: 'Mine' }));
};

/** Polls `check` until it holds; the deadline is far under the cache's expiry, so only the bus can make it hold. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

describe.each(testDatabases())('instance settings on %s', (driver) => {
  let backends: TestBackends;
  let app: GatewayApp;
  let admin: SignedInUser;
  let viewer: SignedInUser;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    app = createApp(backends.deps(ENV)).app;
    admin = await registerAndLogin(app, backends, { role: 'admin' });
    viewer = await registerAndLogin(app, backends);
  });
  afterAll(() => backends?.close());

  it('refuses callers without a token (401) and non-admins (403), reading or changing', async () => {
    await expectProblem(await app.request(SETTINGS, send('GET', undefined)), 401, 'invalid_token');
    await expectProblem(
      await app.request(SETTINGS, send('PATCH', undefined, { clipsPerUserPerHour: 3 })),
      401,
      'invalid_token',
    );
    await expectProblem(await app.request(SETTINGS, send('GET', viewer.authorization)), 403, 'forbidden');
    await expectProblem(
      await app.request(SETTINGS, send('PATCH', viewer.authorization, { channelCreation: 'verified' })),
      403,
      'forbidden',
    );
    expect((await settingsOf(app, admin)).overridden).toEqual({});
  });

  it('documents its operations in the OpenAPI document', async () => {
    expect(await operationIdsTagged(app, 'settings')).toEqual([
      'getInstanceSettings',
      'listInstanceSettingsChanges',
      'updateInstanceSettings',
    ]);
  });

  it('reads the environment as the defaults until an admin stores a value', async () => {
    const view = await settingsOf(app, admin);
    expect(view.defaults).toMatchObject({ channelCreation: 'streamers', clipsPerUserPerHour: 10 });
    expect(view.effective).toEqual(view.defaults);
  });

  it('refuses bad input as problem+json naming the field', async () => {
    const bad = async (body: unknown, field?: string, status = 422, code = 'validation_failed') => {
      const problem = await expectProblem(
        await app.request(SETTINGS, send('PATCH', admin.authorization, body)),
        status,
        code,
      );
      if (field) expect(problem.errors?.map((error) => error.path)).toContain(field);
    };
    await bad({ channelCreation: 'everyone' }, 'body.channelCreation');
    await bad({ clipsPerUserPerHour: 0 }, 'body.clipsPerUserPerHour');
    await bad({ clipsPerUserPerHour: 2.5 }, 'body.clipsPerUserPerHour');
    await bad({ restreamMaxDestinations: '3' }, 'body.restreamMaxDestinations');
    await bad({ rateLimitMax: 5 });
    await bad({});
    await bad('{not json', undefined, 400, 'malformed_json');
    // An upload limit above the quota could never be met.
    const { effective } = await settingsOf(app, admin);
    await bad({ videoMaxBytes: effective.videoQuotaBytes + 1 }, 'body.videoMaxBytes');
    await bad({ videoQuotaBytes: effective.videoMaxBytes - 1 }, 'body.videoQuotaBytes');
    // Nothing was stored by any of them.
    expect((await settingsOf(app, admin)).overridden).toEqual({});
  });

  it('applies a changed policy to opening channels and issuing keys, audits it, and restores the default on null', async () => {
    const verifiedViewer = await registerAndLogin(app, backends);
    await backends.database.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, verifiedViewer.account.id));
    await expectProblem(await openChannel(app, verifiedViewer), 403, 'forbidden');

    const view = await patch(app, admin, { channelCreation: 'verified' });
    expect(view.effective.channelCreation).toBe('verified');
    expect(view.defaults.channelCreation).toBe('streamers');
    expect(view.overridden.channelCreation?.updatedBy).toBe(admin.account.id);

    const opened = await openChannel(app, verifiedViewer);
    expect(opened.status, await opened.clone().text()).toBe(201);
    const { slug } = (await opened.json()) as { slug: string };
    // An unverified account is still refused.
    await expectProblem(await openChannel(app, viewer), 403, 'forbidden');
    const key = (name: string) =>
      app.request(`/api/v1/channels/${slug}/keys`, send('POST', verifiedViewer.authorization, { name }));
    const obs = await key('OBS');
    expect(obs.status).toBe(201);
    const obsKey = CreatedStreamKeySchema.parse(await obs.json());
    const rotate = () =>
      app.request(
        `/api/v1/channels/${slug}/keys/${obsKey.id}/rotate`,
        send('POST', verifiedViewer.authorization),
      );
    const rotated = await rotate();
    expect(rotated.status, await rotated.clone().text()).toBe(201);
    const current = CreatedStreamKeySchema.parse(await rotated.json());

    // Back to the default: the channel stays, but no new stream key is issued to a non-streamer, nor a
    // new secret for the key it has, which stays as it was.
    const restored = await patch(app, admin, { channelCreation: null });
    expect(restored.effective.channelCreation).toBe('streamers');
    expect(restored.overridden.channelCreation).toBeUndefined();
    await expectProblem(await key('Second'), 403, 'forbidden');
    const refused = await expectProblem(await rotate(), 403, 'forbidden');
    expect(refused.detail).toMatch(/^Replacing a stream key needs the streamer role/);
    const keys = await app.request(
      `/api/v1/channels/${slug}/keys`,
      send('GET', verifiedViewer.authorization),
    );
    expect(
      StreamKeyListSchema.parse(await keys.json()).items.map((item) => [item.id, item.revokedAt]),
    ).toEqual([
      [obsKey.id, expect.any(String)],
      [current.id, null],
    ]);

    const audit = (await storedEvents(backends.database.db, 'instance.settings_updated')).filter((event) =>
      event.changes.some((change) => change.key === 'channelCreation'),
    );
    expect(audit.map((event) => [event.actorId, event.changes])).toEqual([
      [admin.account.id, [{ key: 'channelCreation', from: null, to: 'verified' }]],
      [admin.account.id, [{ key: 'channelCreation', from: 'verified', to: null }]],
    ]);
  });

  it('applies changed limits to uploads and restream destinations', async () => {
    const streamer = await registerAndLogin(app, backends, { role: 'streamer' });
    expect((await openChannel(app, streamer)).status).toBe(201);
    const upload = (length: number) =>
      app.request('/api/v1/uploads', {
        method: 'POST',
        headers: {
          Authorization: streamer.authorization,
          'Tus-Resumable': '1.0.0',
          'Upload-Length': String(length),
          'Upload-Metadata': `title ${Buffer.from('Clip').toString('base64')}`,
        },
      });
    const mib = 1024 * 1024;
    await patch(app, admin, { videoMaxBytes: 2 * mib });
    await expectProblem(await upload(3 * mib), 413, 'video_too_large');
    // tus clients read the limit from the capabilities.
    const capabilities = await app.request('/api/v1/uploads', { method: 'OPTIONS' });
    expect(capabilities.headers.get('Tus-Max-Size')).toBe(String(2 * mib));
    await patch(app, admin, { videoMaxBytes: 4 * mib, videoQuotaBytes: 5 * mib });
    expect((await upload(3 * mib)).status).toBe(201);
    await expectProblem(await upload(3 * mib), 413, 'video_quota_exceeded');
    await patch(app, admin, { videoMaxBytes: null, videoQuotaBytes: null });

    const { slug } = (await (
      await app.request('/api/v1/me/channel', send('GET', streamer.authorization))
    ).json()) as { slug: string };
    await patch(app, admin, { restreamMaxDestinations: 2 });
    const list = await app.request(
      `/api/v1/channels/${slug}/restream/destinations`,
      send('GET', streamer.authorization),
    );
    expect(((await list.json()) as { max: number }).max).toBe(2);
    await patch(app, admin, { restreamMaxDestinations: null });
  });

  it('ignores a stored value that no longer passes its schema, and keys it does not know', async () => {
    await backends.database.db.execute(
      `INSERT INTO settings.instance_settings (key, value) VALUES ('clipsPerUserPerHour', '"many"'), ('fromTheFuture', '1')`,
    );
    const view = await settingsOf(createApp(backends.deps(ENV)).app, admin);
    expect(view.effective.clipsPerUserPerHour).toBe(10);
    expect(view.overridden).toEqual({});
    await backends.database.db.execute('DELETE FROM settings.instance_settings');
  });

  it('lists the history of changes, newest first and paged, after the outbox pruned its events', async () => {
    const HISTORY = `${SETTINGS}/history`;
    await expectProblem(await app.request(HISTORY, send('GET', undefined)), 401, 'invalid_token');
    await expectProblem(await app.request(HISTORY, send('GET', viewer.authorization)), 403, 'forbidden');
    await expectProblem(
      await app.request(`${HISTORY}?cursor=nonsense`, send('GET', admin.authorization)),
      422,
      'validation_failed',
    );
    await expectProblem(
      await app.request(`${HISTORY}?limit=0`, send('GET', admin.authorization)),
      422,
      'validation_failed',
    );

    const second = await registerAndLogin(app, backends, { role: 'admin' });
    await patch(app, admin, { clipsPerUserPerHour: 7, restreamMaxDestinations: 3 });
    await patch(app, second, { clipsPerUserPerHour: 8 });
    await patch(app, admin, { clipsPerUserPerHour: null });
    // The relay's retention deletes published events: the history does not depend on them.
    await backends.database.db.execute('DELETE FROM events.outbox');

    const pageOf = async (query: string) => {
      const response = await app.request(`${HISTORY}${query}`, send('GET', admin.authorization));
      expect(response.status, await response.clone().text()).toBe(200);
      return SettingsHistoryPageSchema.parse(await response.json());
    };
    const first = await pageOf('?limit=2');
    expect(first.items.map((item) => [item.actor?.username, item.changes])).toEqual([
      [admin.account.username, [{ key: 'clipsPerUserPerHour', from: 8, to: null }]],
      [second.account.username, [{ key: 'clipsPerUserPerHour', from: 7, to: 8 }]],
    ]);
    expect(first.nextCursor).not.toBeNull();
    const next = await pageOf(`?limit=2&cursor=${encodeURIComponent(first.nextCursor ?? '')}`);
    expect(next.items[0]?.actor?.id).toBe(admin.account.id);
    expect(next.items[0]?.changes).toEqual([
      { key: 'clipsPerUserPerHour', from: null, to: 7 },
      { key: 'restreamMaxDestinations', from: null, to: 3 },
    ]);
    const times = [...first.items, ...next.items].map((item) => Date.parse(item.createdAt));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    // Every save of this file is there, each once.
    const all = await pageOf('?limit=100');
    expect(new Set(all.items.map((item) => item.id)).size).toBe(all.items.length);
    expect(all.items.length).toBeGreaterThanOrEqual(6);
    await patch(app, admin, { restreamMaxDestinations: null });
  });
});

describe.each(testDatabases())('instance settings on two gateways sharing the %s database', (driver) => {
  const prefix = randomTestPrefix('settings');
  let backends: TestBackends;
  const buses: EventBus<DomainEvents>[] = [];
  const stops: (() => void)[] = [];
  const replicas: { deps: GatewayDeps; app: GatewayApp }[] = [];

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    for (let i = 0; i < 2; i += 1) {
      // On PostgreSQL each gateway has its own Redis connection, as replicas on two hosts would.
      const events =
        driver === 'postgres'
          ? await createEventBus(DOMAIN_EVENTS, { redisUrl: TEST_REDIS_URL, prefix })
          : backends.events;
      if (events !== backends.events) buses.push(events);
      const deps = backends.deps(ENV, {}, { events });
      const { config } = deps;
      const media = createMediaStorage({
        dataDir: config.dataDir,
        storage: config.mediaStorage,
        db: backends.database.db,
      });
      const subscribe = settingsModule.subscriptions;
      if (!subscribe) throw new Error('the settings module subscribes to nothing');
      // What a gateway starts beside its routes (run-modules.ts, startBackground).
      stops.push(await subscribe(deps.services, { config, logger: deps.logger, media, events }));
      replicas.push({ deps, app: createApp(deps).app });
    }
  });
  afterAll(async () => {
    for (const stop of stops) stop();
    for (const bus of buses) await bus.close();
    await backends?.close();
  });

  it('a change through one gateway applies on the other without a restart', async () => {
    const [first, second] = replicas;
    if (!first || !second) throw new Error('two replicas expected');
    const admin = await registerAndLogin(first.app, backends, { role: 'admin' });
    const verified = await registerAndLogin(second.app, backends);
    await backends.database.db
      .update(users)
      .set({ emailVerifiedAt: new Date() })
      .where(eq(users.id, verified.account.id));
    // The second gateway has read (and cached) the default policy, and refuses.
    expect((await second.deps.services.settings.current()).channelCreation).toBe('streamers');
    await expectProblem(await openChannel(second.app, verified), 403, 'forbidden');

    await patch(first.app, admin, { channelCreation: 'verified', clipsPerUserPerHour: 3 });
    await until(
      async () => (await second.deps.services.settings.current()).channelCreation === 'verified',
      'the second gateway to see the new policy',
    );
    expect((await second.deps.services.settings.current()).clipsPerUserPerHour).toBe(3);
    expect((await openChannel(second.app, verified)).status).toBe(201);
  });
});
