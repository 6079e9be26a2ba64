/**
 * Beacons are limited per view token, not per address: many viewers behind one NAT address all report,
 * one flooding view is refused with 429, and the rest of the API stays limited per address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type GatewayApp } from '../../app.ts';
import type { GatewayDeps } from '../../deps.ts';
import { createTestBackends, type TestBackends } from '../../testing/test-deps.ts';
import { expectProblem, MANY_LOGINS_POLICY, streamerWithChannel } from '../engagement/engagement-test-kit.ts';
import { BEACON_WINDOW_MS } from './analytics.service.ts';
import { post, startView } from './analytics-test-kit.ts';

const VIEWERS = 150;
// Enough for the viewers' view starts and a few other calls from the same address, not for their beacons too.
const PER_ADDRESS = VIEWERS + 10;
// A smaller per-view budget than the default (10), so that a flood is short.
const PER_VIEW = 4;

const heartbeat = (token: string, seq: number) => ({
  token,
  seq,
  event: 'heartbeat',
  watchedMs: seq * 1000,
  rebufferCount: 0,
  rebufferMs: 0,
  renditionSwitches: 0,
});

describe('beacon rate limit', () => {
  let backends: TestBackends;
  let setup: { deps: GatewayDeps; app: GatewayApp };
  let playbackId: string;

  // Every app made here has its own counters, so each test starts with a fresh per-address budget.
  const gateway = (env: Record<string, string> = {}) =>
    createApp(backends.deps(env, {}, { abusePolicy: MANY_LOGINS_POLICY })).app;
  const beacon = (app: GatewayApp, token: string, seq: number) =>
    app.request('/api/v1/analytics/beacons', post(heartbeat(token, seq)));

  beforeAll(async () => {
    backends = await createTestBackends('pglite');
    const deps = backends.deps({}, {}, { abusePolicy: MANY_LOGINS_POLICY });
    setup = { deps, app: createApp(deps).app };
    const streamer = await streamerWithChannel(setup.app, backends, deps);
    await streamer.goLive();
    const session = (await deps.services.channels.publicChannel(streamer.slug)).session;
    if (!session?.playbackId) throw new Error('the channel is not live');
    playbackId = session.playbackId;
  });
  afterAll(async () => {
    await backends.close();
  });

  it('accepts the beacons of 150 views from one address, and still limits the rest of the API per address', async () => {
    const app = gateway({ RATE_LIMIT_MAX: String(PER_ADDRESS) });
    const views = [];
    for (let i = 0; i < VIEWERS; i += 1) {
      views.push(await startView(app, { target: { type: 'live', playbackId } }));
    }
    for (const [index, view] of views.entries()) {
      const response = await beacon(app, view.token, 1);
      expect(response.status, `view ${index}: ${await response.clone().text()}`).toBe(202);
      // No per-address headers: the beacon spent nothing of the address's budget.
      expect(response.headers.get('RateLimit-Remaining')).toBeNull();
    }
    for (let i = VIEWERS; i < PER_ADDRESS; i += 1) {
      expect((await app.request(`/api/v1/channels/no-such-channel/viewers`)).status).toBe(404);
    }
    await expectProblem(await app.request('/api/v1/channels/no-such-channel/viewers'), 429, 'rate_limited');
    // Starting a view mints a token, so it stays under the per-address limit.
    await expectProblem(
      await app.request('/api/v1/analytics/views', post({ target: { type: 'live', playbackId } })),
      429,
      'rate_limited',
    );
  });

  it('refuses a view that floods beacons with 429 problem+json, and only that view', async () => {
    const app = gateway({ ANALYTICS_BEACONS_PER_VIEW: String(PER_VIEW) });
    const flooding = await startView(app, { target: { type: 'live', playbackId } });
    const calm = await startView(app, { target: { type: 'live', playbackId } });
    for (let seq = 1; seq <= PER_VIEW; seq += 1) {
      expect((await beacon(app, flooding.token, seq)).status).toBe(202);
    }
    const refused = await beacon(app, flooding.token, PER_VIEW + 1);
    await expectProblem(refused, 429, 'rate_limited');
    const retryAfter = Number(refused.headers.get('Retry-After'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(BEACON_WINDOW_MS / 1000);
    expect((await beacon(app, calm.token, 1)).status).toBe(202);
  });

  it('refuses forged tokens with 403 before counting anything against the view they imitate', async () => {
    const app = gateway({ ANALYTICS_BEACONS_PER_VIEW: String(PER_VIEW) });
    const view = await startView(app, { target: { type: 'live', playbackId } });
    const [payload = '', signature = ''] = view.token.split('.');
    const forged = `${payload}.${signature.startsWith('A') ? 'B' : 'A'}${signature.slice(1)}`;
    for (let seq = 1; seq <= PER_VIEW * 2; seq += 1) {
      await expectProblem(await beacon(app, forged, seq), 403, 'invalid_view_token');
    }
    // The real view still has its whole budget.
    for (let seq = 1; seq <= PER_VIEW; seq += 1) {
      expect((await beacon(app, view.token, seq)).status).toBe(202);
    }
  });
});
