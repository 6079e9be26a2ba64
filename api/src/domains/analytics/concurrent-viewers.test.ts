/**
 * A live broadcast watched by several clients shows the right concurrent-viewer series and peak, with
 * viewers seen only by `/ws` presence (chat open, no beacons), a player seen only by its beacons, and a
 * page that does both (counted once). Real gateway with its realtime hub on a real port, real `/ws`
 * clients, the real presence store and a PGlite analytics store; the sampling clock is the test's. The
 * instance's Prometheus gauges are scraped from the same state.
 */
import { randomUUID } from 'node:crypto';
import type { StartedView } from '@streamhub/contracts/analytics';
import { liveSessions } from '@streamhub/db/schema/channels';
import { videos } from '@streamhub/db/schema/videos';
import { createLogger } from '@streamhub/logger/logger';
import { eq } from 'drizzle-orm';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { type RealtimeServer, serveRealtime } from '../../realtime/testing/realtime-server.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { connectWs, type TestWsClient } from '../../testing/ws-client.ts';
import { MANY_LOGINS_POLICY, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { AnalyticsService } from './analytics.service.ts';
import { BeaconBuffer } from './beacon-buffer.ts';
import { registerInstanceMetrics } from './instance-metrics.ts';
import { InstanceStateRepository } from './instance-state.repository.ts';
import { LivePresence } from './live-presence.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import { SaltsRepository } from './salts.repository.ts';
import { DailySalts, ViewTokens } from './view-tokens.ts';

const T0 = Date.parse('2026-11-10T20:00:00Z');

async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('concurrent viewers of a live broadcast, from presence and beacons', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;
  let realtime: RealtimeServer;
  const sockets: TestWsClient[] = [];

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
    realtime = await serveRealtime(app, deps, backends);
  });
  afterAll(async () => {
    for (const socket of sockets) await socket.close();
    await realtime.server.close();
    await backends.close();
  });

  it('merges /ws-only viewers, beacon-only players and pages doing both into one series', async () => {
    let now = new Date(T0);
    const store = new PostgresAnalyticsStore(backends.database.db);
    const salts = new DailySalts(new SaltsRepository(backends.database.db));
    const instanceState = new InstanceStateRepository(backends.database.db);
    const analytics = new AnalyticsService(
      {
        store,
        buffer: new BeaconBuffer(store, createLogger({ level: 'silent', name: 'test' })),
        tokens: new ViewTokens(salts),
        salts,
        counters: deps.counters,
        videos: deps.services.videos,
        channels: deps.services.channels,
        countedViewSeconds: 5,
        rawRetentionDays: 30,
        beaconsPerView: 10,
        instanceState,
        livePresence: new LivePresence(backends.presence, () => instanceState.liveBroadcasts()),
        now: () => now,
      },
      'streamhub.test',
    );
    const streamer = await streamerWithChannel(app, backends, deps);
    const sessionId = await streamer.goLive();
    const { playbackId } = (await deps.services.channels.publicChannel(streamer.slug)).session ?? {};
    if (!playbackId) throw new Error('the channel is not live');

    const presentCount = () => backends.presence.count(streamer.channelId);
    const joinChat = async (viewerId: string) => {
      const socket = await connectWs(realtime.base);
      sockets.push(socket);
      socket.send({ type: 'join', channel: streamer.slug, viewerId });
      await socket.next('joined');
      return socket;
    };
    const at = async (second: number, expectedPresent: number) => {
      now = new Date(T0 + second * 1000);
      await analytics.flushPresence();
      // `/ws` joins and closes reach the presence store asynchronously.
      await until(async () => (await presentCount()) === expectedPresent, `${expectedPresent} present`);
      await analytics.samplePresence();
    };
    const beacon = (view: StartedView, seq: number, event: 'heartbeat' | 'end', watchedMs: number) =>
      analytics.beacon({
        token: view.token,
        seq,
        event,
        watchedMs,
        startupMs: 700,
        rebufferCount: 0,
        rebufferMs: 0,
        renditionSwitches: 0,
      });
    const player = { address: '192.0.2.10', userAgent: 'Player/1.0' };

    // 0 s: A and B have the channel page's chat open and send no beacons.
    const chatA = await joinChat(`v_${randomUUID().slice(0, 12)}`);
    await joinChat(`v_${randomUUID().slice(0, 12)}`);
    await at(0, 2);
    // 10 s: C is an embedded player (beacons only); D is a watch page (chat and player, one viewer id).
    const idD = `v_${randomUUID().slice(0, 12)}`;
    const chatD = await joinChat(idD);
    const viewC = await analytics.startView(undefined, { target: { type: 'live', playbackId } }, player);
    const viewD = await analytics.startView(
      undefined,
      { target: { type: 'live', playbackId }, viewerId: idD },
      { ...player, address: '192.0.2.11' },
    );
    await at(10, 4);
    // 20 s: both players beat; A closes the page.
    await beacon(viewC, 1, 'heartbeat', 10_000);
    await beacon(viewD, 1, 'heartbeat', 10_000);
    await chatA.close();
    await at(20, 3);
    // 30 s: D's player ends but its chat stays open (still one viewer); C beats.
    await beacon(viewC, 2, 'heartbeat', 20_000);
    await beacon(viewD, 2, 'end', 20_000);
    await at(30, 3);
    // 40 s: C ends and D leaves: only B is left.
    await beacon(viewC, 3, 'end', 30_000);
    await chatD.close();
    await at(40, 1);

    await analytics.process();
    const owner = await deps.services.sessions.authenticate(streamer.owner.accessToken);
    const report = await analytics.report(
      owner,
      { kind: 'broadcast', id: sessionId },
      { from: '2026-11-10T19:00:00Z', to: '2026-11-10T21:00:00Z', bucket: 'hour', format: 'json' },
    );
    expect(report.concurrency?.samples.map((s) => [s.at.slice(11, 19), s.viewers])).toEqual([
      ['20:00:00', 2],
      // D's chat and player are one viewer: 4, not 5. Beacons alone would say 2.
      ['20:00:10', 4],
      ['20:00:20', 3],
      ['20:00:30', 3],
      ['20:00:40', 1],
    ]);
    expect(report.concurrency?.peak).toBe(4);
    // Views and watch time still come from the beacons: the chat-only viewers are no views.
    expect(report.totals).toMatchObject({ views: 2, watchTimeMs: 50_000 });

    // The instance gauges read the same presence: one broadcast with B watching, on its node at its
    // ingest bitrate, beside a video transcoding for a minute.
    await backends.database.db
      .update(liveSessions)
      .set({ nodeId: 'node-a', ingest: { bitrate: 2_500_000 } })
      .where(eq(liveSessions.id, sessionId));
    await backends.database.db.insert(videos).values({
      ownerId: streamer.owner.account.id,
      title: 'Transcoding',
      status: 'processing',
      updatedAt: new Date(now.getTime() - 60_000),
    });
    const registry = new Registry();
    registerInstanceMetrics(registry, analytics);
    const scraped = await registry.metrics();
    const value = (series: string) =>
      Number(
        scraped
          .split('\n')
          .find((line) => line.startsWith(`${series} `))
          ?.split(' ')[1],
      );
    expect(value('streamhub_live_channels')).toBe(1);
    expect(value('streamhub_live_viewers')).toBe(1);
    expect(value('streamhub_node_live_channels{node="node-a"}')).toBe(1);
    expect(value('streamhub_node_ingest_bitrate_bits{node="node-a"}')).toBe(2_500_000);
    expect(value('streamhub_transcode_queue_depth')).toBe(1);
    expect(value('streamhub_transcode_queue_oldest_age_seconds')).toBeGreaterThanOrEqual(59);
    // Two view starts and five beacons were accepted; all of them were written by `process()`.
    expect(value('streamhub_analytics_beacons_accepted_total')).toBe(7);
    expect(value('streamhub_analytics_beacons_pending')).toBe(0);
  });
});
