/** The beacon API and the reports over the real gateway app, on PGlite and PostgreSQL. */
import { ReportSchema } from '@streamhub/contracts/analytics';
import { VideoSchema } from '@streamhub/contracts/videos';
import { analyticsEvents } from '@streamhub/db/schema/analytics';
import { testDatabases } from '@streamhub/db/testing';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { registerAndLogin, type SignedInUser } from '../../testing/auth-helpers.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import {
  expectJson,
  expectProblem,
  MANY_LOGINS_POLICY,
  send,
  streamerWithChannel,
} from '../engagement/engagement-test-kit.ts';
import { readyVideo, uploadedVideo } from '../videos/videos-test-kit.ts';
import { post, sendBeacon, startView } from './analytics-test-kit.ts';

const IPHONE = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148';

describe.each(testDatabases())('analytics routes on %s', (driver) => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends(driver);
    deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  const today = () => {
    const from = new Date(Date.now() - 3600_000);
    return { from: from.toISOString(), to: new Date(Date.now() + 3600_000).toISOString() };
  };
  const reportUrl = (path: string, query: Record<string, string> = {}) =>
    `/api/v1/analytics/${path}?${new URLSearchParams({ ...today(), bucket: 'hour', ...query })}`;
  const report = async (path: string, user: SignedInUser, query: Record<string, string> = {}) =>
    expectJson(await app.request(reportUrl(path, query), send('GET', undefined, user)), ReportSchema);

  const streamerVideo = async () => {
    const streamer = await streamerWithChannel(app, backends, deps);
    const videoId = await readyVideo(backends, deps, streamer.owner, { channelId: streamer.channelId });
    return { ...streamer, videoId };
  };

  it('documents every analytics operation in the OpenAPI document', async () => {
    const doc = (await (await app.request('/openapi.json')).json()) as {
      paths: Record<string, Record<string, { operationId?: string }>>;
    };
    const operations = Object.entries(doc.paths)
      .filter(([path]) => path.startsWith('/api/v1/analytics/'))
      .flatMap(([, methods]) => Object.values(methods).map((operation) => operation.operationId));
    expect(operations.sort()).toEqual(
      [
        'getBroadcastAnalytics',
        'getChannelAnalytics',
        'getInstanceAnalytics',
        'getVideoAnalytics',
        'sendBeacon',
        'startView',
      ].sort(),
    );
  });

  it('turns a played VOD into one counted view with its watch time, startup, rebuffering and rendition', async () => {
    const { owner, videoId, slug } = await streamerVideo();
    const view = await startView(app, {
      target: { type: 'video', videoId },
      referrer: 'https://news.example/article?reader=42',
    });
    expect(view.heartbeatSeconds).toBe(10);
    await sendBeacon(app, view, {
      seq: 1,
      event: 'startup',
      watchedMs: 0,
      startupMs: 420,
      rendition: '720p',
    });
    await sendBeacon(app, view, {
      seq: 2,
      event: 'rebuffer',
      watchedMs: 4000,
      startupMs: 420,
      rendition: '720p',
      rebufferCount: 1,
      rebufferMs: 1000,
    });
    await sendBeacon(app, view, {
      seq: 3,
      event: 'heartbeat',
      watchedMs: 9000,
      positionPct: 60,
      startupMs: 420,
      rendition: '480p',
      rebufferCount: 1,
      rebufferMs: 1000,
      renditionSwitches: 1,
    });
    // Nothing is written per beacon: the buffer holds them until a flush.
    expect((await backends.database.db.select({ n: count() }).from(analyticsEvents))[0]?.n).toBe(0);
    expect(await deps.services.analytics.process()).toEqual({ decided: 1, counted: 1 });
    expect(await deps.services.analytics.process()).toEqual({ decided: 0, counted: 0 });

    const video = await expectJson(await app.request(`/api/v1/videos/${videoId}`), VideoSchema);
    expect(video.viewCount).toBe(1);

    const ofVideo = await report(`videos/${videoId}/report`, owner);
    expect(ofVideo.totals).toMatchObject({
      views: 1,
      countedViews: 1,
      uniqueViewers: 1,
      watchTimeMs: 9000,
      averageViewDurationMs: 9000,
      startupP50Ms: 420,
      startupP95Ms: 420,
      rebufferCount: 1,
      rebufferPct: 10,
      failedViews: 0,
      exitsBeforeStart: 0,
    });
    expect(ofVideo.topReferrers).toEqual([{ referrer: 'news.example', views: 1 }]);
    expect(ofVideo.retention?.find((point) => point.pct === 60)?.share).toBe(1);
    expect(ofVideo.retention?.find((point) => point.pct === 65)?.share).toBe(0);
    expect(ofVideo.series).toHaveLength(3);
    expect(ofVideo.series.reduce((sum, point) => sum + point.countedViews, 0)).toBe(1);

    const ofChannel = await report(`channels/${slug}/report`, owner);
    expect(ofChannel.topVideos).toEqual([{ videoId, countedViews: 1, watchTimeMs: 9000 }]);
  });

  it('counts ten refreshes of one viewer as one view, and another viewer apart', async () => {
    const { owner, videoId } = await streamerVideo();
    for (let refresh = 0; refresh < 10; refresh += 1) {
      const view = await startView(app, { target: { type: 'video', videoId } });
      await sendBeacon(app, view, { seq: 1, event: 'heartbeat', watchedMs: 6000, startupMs: 300 });
    }
    const phone = await startView(app, { target: { type: 'video', videoId } }, { userAgent: IPHONE });
    await sendBeacon(app, phone, { seq: 1, event: 'heartbeat', watchedMs: 6000, startupMs: 300 });
    // Below the threshold: a view, never a counted one.
    const glance = await startView(app, { target: { type: 'video', videoId } }, { userAgent: 'Other/1.0' });
    await sendBeacon(app, glance, { seq: 1, event: 'heartbeat', watchedMs: 4999, startupMs: 300 });
    await deps.services.analytics.process();

    const { totals } = await report(`videos/${videoId}/report`, owner);
    expect(totals).toMatchObject({ views: 12, countedViews: 2, uniqueViewers: 3 });
    const video = await expectJson(await app.request(`/api/v1/videos/${videoId}`), VideoSchema);
    expect(video.viewCount).toBe(2);
  });

  it('counts failures and exits before start', async () => {
    const { owner, videoId } = await streamerVideo();
    const failing = await startView(app, { target: { type: 'video', videoId } });
    await sendBeacon(app, failing, {
      seq: 1,
      event: 'error',
      watchedMs: 0,
      error: { code: 'manifestLoadError' },
    });
    const leaving = await startView(app, { target: { type: 'video', videoId } });
    await sendBeacon(app, leaving, { seq: 1, event: 'exit', watchedMs: 0 });
    await deps.services.analytics.process();
    const { totals } = await report(`videos/${videoId}/report`, owner);
    expect(totals).toMatchObject({
      views: 2,
      failedViews: 1,
      failurePct: 50,
      exitsBeforeStart: 1,
      startupP50Ms: null,
    });
  });

  it('refuses view starts for unknown, unplayable or private videos and for playback ids that are not live', async () => {
    const owner = await registerAndLogin(app, backends, { role: 'streamer' });
    const start = (body: unknown, user?: SignedInUser) =>
      app.request('/api/v1/analytics/views', post(body, user ? { user } : {}));
    await expectProblem(
      await start({ target: { type: 'video', videoId: crypto.randomUUID() } }),
      404,
      'not_found',
    );
    const uploaded = await uploadedVideo(backends, owner);
    await expectProblem(await start({ target: { type: 'video', videoId: uploaded } }), 404, 'not_found');
    const secret = await readyVideo(backends, deps, owner, { visibility: 'private' });
    await expectProblem(await start({ target: { type: 'video', videoId: secret } }), 404, 'not_found');
    expect((await start({ target: { type: 'video', videoId: secret } }, owner)).status).toBe(201);
    await expectProblem(
      await start({ target: { type: 'live', playbackId: 'no-such-playback-id' } }),
      404,
      'not_found',
    );
    await expectProblem(
      await start({ target: { type: 'video', videoId: 'nope' } }),
      422,
      'validation_failed',
    );
    await expectProblem(
      await start({ target: { type: 'live', playbackId: 'x' }, extra: true }),
      422,
      'validation_failed',
    );
    await expectProblem(
      await start({ target: { type: 'live', playbackId: 'a\u0000b' } }),
      422,
      'validation_failed',
    );
  });

  it('refuses beacons with a forged, tampered or malformed token, and bad beacon bodies', async () => {
    const { videoId } = await streamerVideo();
    const view = await startView(app, { target: { type: 'video', videoId } });
    const beacon = (token: string, extra: Record<string, unknown> = {}) =>
      app.request(
        '/api/v1/analytics/beacons',
        post({ token, seq: 1, event: 'heartbeat', watchedMs: 1000, ...extra }),
      );
    const [body = '', signature = ''] = view.token.split('.');
    const claims = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forgedBody = Buffer.from(JSON.stringify({ ...claims, targetId: crypto.randomUUID() })).toString(
      'base64url',
    );
    await expectProblem(await beacon(`${forgedBody}.${signature}`), 403, 'invalid_view_token');
    await expectProblem(await beacon(`${body}.${signature.slice(1)}x`), 403, 'invalid_view_token');
    await expectProblem(await beacon('not-a-token'), 403, 'invalid_view_token');
    await expectProblem(await beacon(view.token, { event: 'dance' }), 422, 'validation_failed');
    await expectProblem(await beacon(view.token, { watchedMs: -1 }), 422, 'validation_failed');
    await expectProblem(await beacon(view.token, { positionPct: 101 }), 422, 'validation_failed');
    expect((await beacon(view.token)).status).toBe(202);
  });

  it('keeps reports to owners and admins, and the instance to admins', async () => {
    const { owner, videoId, slug } = await streamerVideo();
    const stranger = await registerAndLogin(app, backends);
    const admin = await registerAndLogin(app, backends, { role: 'admin' });
    const session = await deps.services.channels.sessionReference(
      await (await streamerWithChannel(app, backends, deps)).goLive(),
    );

    await expectProblem(await app.request(reportUrl(`videos/${videoId}/report`)), 401, 'invalid_token');
    for (const path of [
      `videos/${videoId}/report`,
      `channels/${slug}/report`,
      `broadcasts/${session.id}/report`,
    ]) {
      await expectProblem(
        await app.request(reportUrl(path), send('GET', undefined, stranger)),
        403,
        'forbidden',
      );
      await report(path, admin);
    }
    await expectProblem(
      await app.request(reportUrl('instance/report'), send('GET', undefined, owner)),
      403,
      'forbidden',
    );
    await report('instance/report', admin);
    await expectProblem(
      await app.request(reportUrl(`videos/${crypto.randomUUID()}/report`), send('GET', undefined, owner)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(reportUrl(`broadcasts/${crypto.randomUUID()}/report`), send('GET', undefined, owner)),
      404,
      'not_found',
    );
    await expectProblem(
      await app.request(reportUrl('channels/no-such-channel/report'), send('GET', undefined, owner)),
      404,
      'not_found',
    );
  });

  it('refuses bad ranges and buckets', async () => {
    const { owner, videoId } = await streamerVideo();
    const get = (query: Record<string, string>) =>
      app.request(reportUrl(`videos/${videoId}/report`, query), send('GET', undefined, owner));
    const { from, to } = today();
    await expectProblem(await get({ from: to, to: from }), 422, 'validation_failed');
    await expectProblem(await get({ from: 'yesterday' }), 422, 'validation_failed');
    await expectProblem(await get({ bucket: 'week' }), 422, 'validation_failed');
    await expectProblem(
      await get({ from: '2000-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', bucket: 'hour' }),
      422,
      'validation_failed',
    );
    expect(
      (await get({ from: '2000-01-01T00:00:00Z', to: '2026-01-01T00:00:00Z', bucket: 'month' })).status,
    ).toBe(200);
  });

  it('exports the series as CSV', async () => {
    const { owner, videoId } = await streamerVideo();
    const view = await startView(app, { target: { type: 'video', videoId } });
    await sendBeacon(app, view, { seq: 1, event: 'heartbeat', watchedMs: 7000, startupMs: 250 });
    await deps.services.analytics.process();
    const response = await app.request(
      reportUrl(`videos/${videoId}/report`, { format: 'csv' }),
      send('GET', undefined, owner),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const lines = (await response.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'bucket,views,countedViews,uniqueViewers,watchTimeMs,averageViewDurationMs,startupP50Ms,startupP95Ms,rebufferCount,rebufferPct,failedViews,failurePct,exitsBeforeStart',
    );
    expect(lines).toHaveLength(4);
    expect(lines.some((line) => /,1,1,1,7000,7000,250,250,0,0,0,0,0$/.test(line))).toBe(true);
  });
});
