/**
 * A live broadcast watched by several players, on a clock the test moves: the broadcast's report gives
 * the concurrent viewers every 10 s and the peak. Real PGlite store, real channels service.
 */
import { createLogger } from '@streamhub/logger/logger';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { MANY_LOGINS_POLICY, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { AnalyticsService } from './analytics.service.ts';
import { BeaconBuffer } from './beacon-buffer.ts';
import { PostgresAnalyticsStore } from './postgres-store.ts';
import { SaltsRepository } from './salts.repository.ts';
import { DailySalts, ViewTokens } from './view-tokens.ts';

describe('concurrent viewers of a live broadcast', () => {
  let backends: TestBackends;
  let deps: GatewayDeps;
  let app: GatewayApp;

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    app = createApp(deps).app;
  });
  afterAll(async () => {
    await backends.close();
  });

  it('samples every 10 s from the heartbeats of several players and reports the peak', async () => {
    let now = new Date('2026-11-10T20:00:00Z');
    const store = new PostgresAnalyticsStore(backends.database.db);
    const salts = new DailySalts(new SaltsRepository(backends.database.db));
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
        now: () => now,
      },
      'streamhub.test',
    );
    const streamer = await streamerWithChannel(app, backends, deps);
    const sessionId = await streamer.goLive();
    const { playbackId } = (await deps.services.channels.publicChannel(streamer.slug)).session ?? {};
    if (!playbackId) throw new Error('the channel is not live');

    // Three players: A for 60 s from 0 s, B from 10 s to 30 s, C from 20 s to 40 s.
    const players = [
      { address: '192.0.2.1', from: 0, to: 60 },
      { address: '192.0.2.2', from: 10, to: 30 },
      { address: '192.0.2.3', from: 20, to: 40 },
    ];
    const views = new Map<number, { token: string; seq: number }>();
    for (let second = 0; second <= 60; second += 10) {
      now = new Date(Date.parse('2026-11-10T20:00:00Z') + second * 1000);
      for (const [index, player] of players.entries()) {
        if (second === player.from) {
          const view = await analytics.startView(
            undefined,
            { target: { type: 'live', playbackId } },
            { address: player.address, userAgent: 'Player/1.0' },
          );
          views.set(index, { token: view.token, seq: 0 });
        } else if (second > player.from && second <= player.to) {
          const view = views.get(index);
          if (!view) throw new Error('no view');
          view.seq += 1;
          await analytics.beacon({
            token: view.token,
            seq: view.seq,
            event: second === player.to ? 'end' : 'heartbeat',
            watchedMs: (second - player.from) * 1000,
            startupMs: 800,
            rebufferCount: 0,
            rebufferMs: 0,
            renditionSwitches: 0,
          });
        }
      }
    }
    await analytics.process();
    const owner = await deps.services.sessions.authenticate(streamer.owner.accessToken);
    const report = await analytics.report(
      owner,
      { kind: 'broadcast', id: sessionId },
      { from: '2026-11-10T19:00:00Z', to: '2026-11-10T21:00:00Z', bucket: 'hour', format: 'json' },
    );
    expect(report.concurrency?.samples.map((s) => [s.at.slice(11, 19), s.viewers])).toEqual([
      ['20:00:00', 1],
      ['20:00:10', 2],
      ['20:00:20', 3],
      // A player counts up to its last beacon, included: B ended at 30 s, C at 40 s.
      ['20:00:30', 3],
      ['20:00:40', 2],
      ['20:00:50', 1],
      ['20:01:00', 1],
    ]);
    expect(report.concurrency?.peak).toBe(3);
    expect(report.totals).toMatchObject({
      views: 3,
      uniqueViewers: 3,
      countedViews: 3,
      watchTimeMs: 100_000,
    });
    expect(report.retention).toBeNull();
  });
});
